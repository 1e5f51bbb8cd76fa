/**
 * A generated population of claims, as events: claims filed in every jurisdiction over some
 * years, each taking a seeded random path through the court track, the fund (application,
 * decision, appeal, payment, recovery from the offender), withdrawn before the fund application
 * (some reopened) or after the fund's decision. The monitoring tests write them into the event
 * store and check every published indicator against their own fold of the same events; the
 * monitoring benchmark projects many of them.
 *
 * Events are valid by the contracts (`parseEvent`) and in an order the command service could have
 * written them; the amounts and dates are plausible, not a scheme's decisions (no caps, no
 * deadlines computed): the read model records facts, it does not judge them.
 */
import {
  APPEAL_OUTCOMES, ENFORCEMENT_FAILURE_REASONS, FORMS_OF_EXPLOITATION, RULING_OUTCOMES, parseEvent,
  SEXES, type ClaimEvent, type EncryptedPersonalData, type Jurisdiction, type PersonalData,
} from '@cfund/contracts';
import { schemeFor } from '@cfund/domain';

export interface GeneratedEvent { type: ClaimEvent['type']; data: ClaimEvent['data']; /** The command's instant (`occurredAt`). */ at: string }
/** `victim`: the plaintext of the ClaimFiled's encrypted personal data (sex, child at the time, date of birth: each sometimes missing). */
export interface GeneratedClaim { claimId: string; jurisdiction: Jurisdiction; victim: PersonalData; events: GeneratedEvent[] }

export interface PopulationOptions {
  seed: number;
  jurisdictions: readonly Jurisdiction[];
  years: readonly number[];
  /** Claims per jurisdiction and year. */
  claimsPerCell: number;
  /** The ClaimFiled's encrypted personal data until `sealVictims` encrypts `victim` (an envelope no key opens, by default). */
  personalData?: (victimRef: string) => EncryptedPersonalData;
  /** Documents attached to each claim after its filing (events that change no figure: a benchmark's volume). Default 0. */
  evidence?: number;
  /** Validate every event with the contracts (slow for a benchmark's million). Default true. */
  validate?: boolean;
  /**
   * The share of assessments that take 150 to 250 days longer (decisions beyond a scheme's time
   * limit). Drawn from a generator of their own: the population is otherwise the one without. Default 0.
   */
  slowAssessments?: number;
}

/** Mulberry32: a small seeded generator, so that a population is the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const DAY = 86_400_000;
/** An envelope of the right shape that no key opens (its victim counts as of unknown sex and age). */
const UNREADABLE: EncryptedPersonalData = { alg: 'AES-256-GCM', keyId: 'none', iv: 'AAAAAAAAAAAAAAAA', ciphertext: 'AAAA', tag: 'AAAAAAAAAAAAAAAAAAAAAA==' };
const plusDays = (instant: string, days: number) => new Date(Date.parse(instant) + days * DAY).toISOString();

/** A claim id (UUID form) that says where it comes from: seed, claim number. */
const claimIdOf = (seed: number, n: number) =>
  `${(seed >>> 0).toString(16).padStart(8, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

export function generateClaims(options: PopulationOptions): GeneratedClaim[] {
  const rnd = random(options.seed);
  const slow = random(options.seed ^ 0x9e3779b9);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const chance = (p: number) => rnd() < p;
  const between = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const out: GeneratedClaim[] = [];
  let n = 0;
  for (const jurisdiction of options.jurisdictions) {
    for (const year of options.years) {
      for (let i = 0; i < options.claimsPerCell; i++) {
        n += 1;
        const claimId = claimIdOf(options.seed, n);
        // Filed between 10 January and 20 December at noon UTC: in the year in every scheme's zone.
        const filedAt = plusDays(`${year}-01-10T12:00:00.000Z`, between(0, 340));
        const scheme = schemeFor(jurisdiction, filedAt.slice(0, 10));
        const money = (amountMinor: number) => ({ amountMinor, currency: scheme.currency });
        const events: GeneratedEvent[] = [];
        const add = (type: ClaimEvent['type'], at: string, data: Record<string, unknown>) => {
          const full = { schemaVersion: 1, claimId, ...data };
          events.push({ type, at, data: (options.validate === false ? full : parseEvent(type, full).data) as ClaimEvent['data'] });
        };
        const victimRef = `vic-${claimId}`;
        const incidentOn = `${year - 1}-0${between(1, 9)}-1${between(0, 9)}`;
        const victim: PersonalData = { fullName: `Generated Victim ${n}` };
        const sex = rnd();
        if (sex < 0.93) victim.sex = SEXES[sex < 0.55 ? 0 : sex < 0.9 ? 1 : 2];
        const age = rnd();
        if (age < 0.3) victim.childAtTimeOfCrime = chance(0.3);
        else if (age < 0.7) victim.dateOfBirth = `${year - 1 - between(10, 40)}-0${between(1, 9)}-1${between(0, 9)}`;
        const claimed = between(10, 400) * 1_000_000;
        add('ClaimFiled', filedAt, {
          jurisdiction, schemeVersion: scheme.effectiveFrom, currency: scheme.currency, filedBy: `lawyer-${jurisdiction}`, filedAt,
          publicReference: `GEN-${n}`, applicantRole: chance(0.8) ? 'direct' : 'indirect', victimRef,
          personalData: options.personalData?.(victimRef) ?? UNREADABLE, formOfExploitation: pick(FORMS_OF_EXPLOITATION),
          incidentOn, damagesClaimed: [{ head: 'non-pecuniary', amount: money(claimed) }],
        });
        let at = filedAt;
        for (let k = 0; k < (options.evidence ?? 0); k++) {
          add('EvidenceAttached', plusDays(filedAt, k), { documentId: `DOC-${n}-${k}`, kind: 'other', sha256: 'a'.repeat(64), title: 'A document' });
        }
        const later = (lo: number, hi: number) => (at = plusDays(at, between(lo, hi)));
        if (chance(0.75)) {
          const outcome = pick(RULING_OUTCOMES);
          later(5, 60);
          add('CourtRulingRecorded', at, {
            court: 'Generated Court', caseNumber: `K-${n}`, decidedOn: at.slice(0, 10), outcome,
            amounts: outcome === 'compensation-awarded' ? [{ head: 'non-pecuniary', amount: money(Math.round(claimed / 2)) }] : [],
          });
          if (chance(0.5)) {
            later(1, 20);
            add('EnforcementFailed', at, { reason: pick(ENFORCEMENT_FAILURE_REASONS), amountOutstanding: money(Math.round(claimed / 2)), recordedOn: at.slice(0, 10) });
          }
        }
        const withdraw = () => {
          later(1, 30);
          add('ClaimWithdrawn', at, { reason: 'The victim withdrew.', withdrawnAt: at });
        };
        const done = () => out.push({ claimId, jurisdiction, victim, events });
        if (chance(0.06)) {
          withdraw();
          // Some victims come back: the claim is reopened and goes on (it no longer stands withdrawn).
          if (!chance(0.3)) { done(); continue; }
          later(1, 60);
          add('ClaimReopened', at, { reason: 'The victim came back.', reopenedAt: at });
        }
        if (chance(0.7)) {
          later(1, 30);
          add('FundApplicationSubmitted', at, { submittedAt: at, deadline: plusDays(at, 30).slice(0, 10), late: false, otherCompensationDeclared: [] });
          if (chance(0.85)) {
            const eligible = chance(0.8);
            const net = Math.round(claimed * (0.3 + rnd() * 0.5));
            if (options.slowAssessments && slow() < options.slowAssessments) at = plusDays(at, 150 + Math.floor(slow() * 101));
            later(2, 40);
            add('ClaimAssessed', at, {
              assessedBy: 'assessor', eligible, ineligibilityReasons: eligible ? [] : ['Not eligible.'],
              assessedAmounts: eligible ? [{ head: 'non-pecuniary', amount: money(net) }] : [], deductions: [], capsApplied: [], recommendedNet: money(eligible ? net : 0),
            });
            later(1, 60);
            const approved = eligible && chance(0.85);
            if (approved) add('AwardApproved', at, { netAward: money(net), approvers: ['approver-1'], fundYear: year });
            else add('AwardRejected', at, { rejectedBy: 'approver-1', reasons: ['Not eligible.'], appealInstructions: 'Appeal within 15 days.' });
            let award = approved ? net : 0;
            if (chance(0.25)) {
              later(1, 10);
              add('DecisionAppealed', at, { appealedAt: at, grounds: 'The decision is wrong.' });
              if (chance(0.8)) {
                const outcome = pick(APPEAL_OUTCOMES);
                later(5, 60);
                const changed = outcome === 'increased' || outcome === 'reduced';
                if (changed) award = Math.max(1_000_000, Math.round((award || net) * (outcome === 'increased' ? 1.2 : 0.8)));
                add('AppealDecided', at, {
                  outcome, decidedOn: at.slice(0, 10), approvers: ['approver-2'],
                  ...(changed ? { netAward: money(award), ...(approved ? {} : { fundYear: year }) } : {}),
                });
              }
            }
            // The application withdrawn after the fund's decision (and any appeal), before a payment.
            if (chance(0.08)) {
              withdraw();
              done();
              continue;
            }
            if (award > 0 && chance(0.75)) {
              const first = Math.floor(award / 2);
              later(1, 10);
              add('PayoutScheduled', at, {
                instalments: [{ number: 1, amount: money(first), dueOn: plusDays(at, 5).slice(0, 10) }, { number: 2, amount: money(award - first), dueOn: plusDays(at, 35).slice(0, 10) }],
                total: money(award),
              });
              later(1, 90);
              add('PayoutDisbursed', at, { instalment: 1, amount: money(first), paymentReference: `PAY-${n}-1`, disbursedBy: 'finance', disbursedAt: at });
              if (chance(0.6)) {
                later(20, 40);
                add('PayoutDisbursed', at, { instalment: 2, amount: money(award - first), paymentReference: `PAY-${n}-2`, disbursedBy: 'finance', disbursedAt: at });
              }
              if (chance(0.2)) {
                later(10, 200);
                add('RecoveryFromOffenderRecorded', at, { amount: money(Math.round(first / 3)), recordedOn: at.slice(0, 10) });
              }
            }
          }
        }
        done();
      }
    }
  }
  return out;
}

/** Encrypts each claim's `victim` into its ClaimFiled (`encrypt`: a PersonalDataProtector's, on the key store the projection reads). */
export async function sealVictims(claims: GeneratedClaim[], encrypt: (victimRef: string, victim: PersonalData) => Promise<EncryptedPersonalData>): Promise<void> {
  for (const claim of claims) {
    const filed = claim.events[0]!.data as { victimRef: string; personalData: EncryptedPersonalData };
    filed.personalData = await encrypt(filed.victimRef, claim.victim);
  }
}
