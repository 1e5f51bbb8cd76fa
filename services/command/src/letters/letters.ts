/**
 * The letters served with a decision (approval, rejection, appeal decision) and with a request
 * for information: rendered by @cfund/letters in the language of the proceedings (the scheme's),
 * encrypted with the victim's key and stored like an upload, then recorded by the command that
 * serves them (the decider's withLetter: a DocumentAttached of kind `letter`, and the letter's
 * SHA-256 on the event served), in one append.
 *
 * Bytes before event, as for uploads: a crash between the two leaves bytes no event names, which
 * the document sweep removes (document-sweep.ts). A letter is reproducible: it is rendered from
 * the decision alone, dated with the decision's local date, so a retry renders the same bytes,
 * under the same document id, and never serves a second letter.
 *
 * When the victim's preferred language (personal data, decrypted here only to render) differs
 * from the scheme's, a copy in that language is rendered, stored and recorded with the letter
 * in the same way and the same append (the decider's withLetter).
 *
 * The PDF itself is rendered off the event loop, by a worker thread (render-pool.ts).
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { type ClaimEvent } from '@cfund/contracts';
import { claimDecider, localDateOf, schemeFor, type ClaimCommand, type ClaimState, type LetterData } from '@cfund/domain';
import { ingestDocument, newStorageKey, type DocumentStore } from '@cfund/documents';
import { RevisionMismatchError, deterministicUuid, isErased, type PersonalDataProtector } from '@cfund/eventstore';
import { isLocale, negotiateLocale, type Locale } from '@cfund/i18n';
import type { LetterInput } from '@cfund/letters';
import type { Authorize, CommandContext, CommandResult, CommandService } from '../command-service.js';
import { noFaults, type FaultAt } from '../faults.js';
import type { LetterRenderer } from './render-pool.js';

/** The commands that serve a letter. */
export type LetterCommand = Extract<ClaimCommand, { type: 'NotifyDecision' | 'DecideAppeal' | 'RequestInformation' }>;

/** What a letter says that the command carries only encrypted: a request's question. */
export interface LetterPersonalData { question?: string }

/** The event that serves each command's letter (a first of two appeal approvals serves none yet). */
const SERVED_BY = { NotifyDecision: 'DecisionNotified', DecideAppeal: 'AppealDecided', RequestInformation: 'InformationRequested' } as const;

/**
 * The instant a letter is dated: noon UTC of the decision's local date, which is that date in
 * every time zone of the region (UTC+1, UTC+2). Not the time the command ran: a retry a minute
 * later must render the same bytes (the PDF's creation date is the letter's date).
 */
const datedOn = (localDate: string): string => `${localDate}T12:00:00.000Z`;

/**
 * What the letter served with `command` says, from the claim's state and the event the command
 * would record; undefined when it serves none: refused (the command then answers the refusal),
 * the first of two approvals of an appeal decision, or a victim whose data was erased (nothing
 * can be encrypted for them; the decision is still recorded).
 */
export function letterFor(command: LetterCommand, state: ClaimState, personal: LetterPersonalData = {}): LetterInput | undefined {
  if (state.personalDataErased || state.status === 'none') return undefined;
  let events: ClaimEvent[];
  try {
    events = claimDecider.decide(command, state);
  } catch {
    return undefined;
  }
  const served = events.find((e) => e.type === SERVED_BY[command.type]);
  if (!served) return undefined;
  const scheme = schemeFor(state.jurisdiction!, state.schemeVersion!);
  const common = {
    locale: negotiateLocale([scheme.language]), jurisdiction: state.jurisdiction!, timeZone: scheme.timeZone, publicReference: state.publicReference!,
  };
  switch (served.type) {
    case 'DecisionNotified': {
      const issuedAt = datedOn(localDateOf(served.data.servedAt, scheme.timeZone));
      if (state.status === 'approved') return { ...common, issuedAt, kind: 'award-approved', netAward: state.fund.netAward!, appealDeadline: served.data.appealDeadline };
      const rejection = state.fund.rejection!;
      return { ...common, issuedAt, kind: 'award-rejected', reasons: rejection.reasons, appealInstructions: rejection.appealInstructions, appealDeadline: served.data.appealDeadline };
    }
    case 'AppealDecided':
      return { ...common, issuedAt: datedOn(served.data.decidedOn), kind: 'appeal-decided', outcome: served.data.outcome, decidedOn: served.data.decidedOn, netAward: served.data.netAward };
    case 'InformationRequested':
      if (personal.question === undefined) throw new Error('a request for information\'s letter needs its question');
      return {
        ...common, issuedAt: datedOn(localDateOf(served.data.requestedAt, scheme.timeZone)), kind: 'information-requested',
        request: served.data.request, question: personal.question, dueOn: served.data.dueOn,
      };
    default:
      return undefined;
  }
}

/** The document id of a claim's letter: from its content, so that the same letter rendered again is the same document. */
export const letterDocumentId = (claimId: string, sha256: string): string => deterministicUuid('letter', claimId, sha256);

export interface DecisionLettersOptions {
  service: CommandService;
  protector: PersonalDataProtector;
  store: DocumentStore;
  /** Renders a letter's PDF (the worker pool). */
  renderer: Pick<LetterRenderer, 'render'>;
  /** Testing only: called between storing a letter and appending the command that serves it. */
  faultAt?: FaultAt;
}

/** Re-renders after another write to the claim came between the letter and its command (the letter said what the claim was then). */
const MAX_ATTEMPTS = 5;

export class DecisionLetters {
  private readonly faultAt: FaultAt;

  constructor(private readonly options: DecisionLettersOptions) {
    this.faultAt = options.faultAt ?? noFaults;
  }

  /**
   * Runs a command that serves a letter: the letter rendered on the claim as it stands, stored,
   * then the command appended at that revision, with the letter. When the claim changed in
   * between, the letter is stored again for the claim as it now is (a caller's If-Match is
   * answered with 412 instead). Bytes that no event names are deleted here, or swept after a crash.
   */
  async command(
    claimId: string, ctx: CommandContext, authorize: Authorize, build: (at: string) => LetterCommand, personal: LetterPersonalData = {},
  ): Promise<CommandResult & { state: ClaimState; replayed: boolean }> {
    const { service, store } = this.options;
    for (let attempt = 1; ; attempt += 1) {
      // 404 or 403 before anything is rendered or encrypted for the victim.
      const { state, revision } = await service.authorizedClaim(claimId, ctx.principal, authorize);
      const command = build(service.at());
      const input = letterFor(command, state, personal);
      if (!input) return service.claimCommand(claimId, ctx, authorize, () => command);
      const language = await this.preferredLanguage(state);
      const inputs = language === undefined || language === input.locale ? [input] : [input, { ...input, locale: language }];
      /** The storage keys of this attempt's letters: deleted unless an event names them. */
      const storageKeys: string[] = [];
      let recorded = false;
      try {
        const documents: LetterData['document'][] = [];
        for (const letterInput of inputs) {
          const document = await this.store(claimId, state, letterInput, storageKeys);
          if (!document) return await service.claimCommand(claimId, ctx, authorize, () => command);
          documents.push(document);
        }
        const [document, ...copies] = documents;
        const letter: LetterData = { document: document!, locale: input.locale, ...(copies.length > 0 ? { copies } : {}) };
        for (const storageKey of storageKeys) await this.faultAt('after-letter-stored', storageKey);
        const result = await service.claimCommand(claimId, { ...ctx, expectedRevision: ctx.expectedRevision ?? BigInt(revision) }, authorize, () => ({
          ...command, data: { ...command.data, letter },
        }) as LetterCommand);
        recorded = !result.replayed;
        return result;
      } catch (error) {
        if (!(error instanceof RevisionMismatchError) || ctx.expectedRevision !== undefined || attempt >= MAX_ATTEMPTS) throw error;
      } finally {
        if (!recorded) for (const storageKey of storageKeys) await store.delete(storageKey).catch(() => undefined);
      }
    }
  }

  /**
   * The victim's preferred language, decrypted for this render only (never logged or kept);
   * undefined when they gave none, or their key is erased.
   */
  private async preferredLanguage(state: ClaimState): Promise<Locale | undefined> {
    if (!state.preferredLanguage) return undefined;
    const value = await this.options.protector.decryptPersonalData<{ preferredLanguage?: unknown }>(state.victimRef!, state.preferredLanguage);
    if (isErased(value)) return undefined;
    return isLocale(value.preferredLanguage) ? value.preferredLanguage : undefined;
  }

  /**
   * Renders `input`, encrypts it with the victim's key for its document id (from its content) and
   * stores it, its key pushed on `storageKeys` before the bytes are written (so the caller deletes
   * them when no event names them); undefined when the victim's key is erased.
   */
  private async store(claimId: string, state: ClaimState, input: LetterInput, storageKeys: string[]): Promise<LetterData['document'] | undefined> {
    const { protector, store, renderer } = this.options;
    const bytes = await renderer.render(input);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const documentId = letterDocumentId(claimId, sha256);
    const key = await protector.documentKey(state.victimRef!, documentId);
    if (isErased(key)) return undefined;
    const storageKey = newStorageKey(claimId, documentId);
    storageKeys.push(storageKey);
    try {
      const ingested = await ingestDocument(Readable.from([bytes]), { store, storageKey, key: key.key, documentId, maxBytes: bytes.length });
      const fileName = await protector.encryptPersonalData(state.victimRef!, { fileName: `${input.publicReference} ${input.kind} ${input.locale}.pdf` });
      return { documentId, size: ingested.size, contentType: ingested.contentType, sha256: ingested.sha256, storageKey, fileName };
    } finally {
      key.key.fill(0);
    }
  }
}
