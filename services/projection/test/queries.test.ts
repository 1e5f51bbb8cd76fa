/**
 * Every query endpoint through real HTTP (app.inject) over a read model fed with events written by
 * the real command service: each role's view, history, as-of state against the decider, integrity,
 * personal data (visible, denied, erased, recorded), fund year, admin rebuild and the docs.
 */
import t from 'tap';
import { jsonEvent } from '@eventstore/db-client';
import { isClaimEventType, parseEvent, type ClaimEvent } from '@cfund/contracts';
import { evolve, initialState, type ClaimState } from '@cfund/domain';
import { ChainSigner, computeEventHash } from '@cfund/eventstore';
import {
  Clock, allocateBudget, appliedClaim, assess, disburse, fileClaim, get, readAllEnvelopes, rsYear, scheduledClaim, startHarness, startProjection, step, tokens,
} from './helpers.ts';

const ids = (r: { json: () => unknown }) => (r.json() as { items: { claimId: string }[] }).items.map((i) => i.claimId).sort();

const ids2 = (r: { json: <T>() => T }): string[] => r.json<{ items: { accessedBy: string }[] }>().items.map((i) => i.accessedBy);

t.test('queries', async (t) => {
  // Each reading of the command service's clock moves it one minute on: events get distinct instants.
  const h = await startHarness(t, { clock: new Clock(new Date(Date.now() - 2 * 86400_000), 60_000) });
  const app = await startProjection(h);
  t.teardown(() => app.close());
  const tk = await tokens(h);
  const ba = await tokens(h, 'BA');
  await allocateBudget(h, tk, rsYear(h.clock.now));
  const A = await scheduledClaim(h, tk, 90_000_000, 2);
  await disburse(h, A, tk, 1);
  const B = await appliedClaim(h, tk);
  const C = await appliedClaim(h, tk);
  await assess(h, C, tk, 80_000_000);
  await step(h, C, 'approvals', tk.approver1, {});
  const D = await fileClaim(h, tk.lawyer2);
  await step(h, D, 'criminal-proceedings', tk.lawyer2, { court: 'Basic Court in Novi Sad', caseNumber: 'KP-99/2026' });
  const E = await fileClaim(h, ba.lawyer, {
    jurisdiction: 'BA', damagesClaimed: [{ head: 'non-pecuniary', amount: { amountMinor: 2_000_000, currency: 'BAM' } }],
  });
  await h.catchUp();
  const rsAll = [A, B, C, D].sort();

  await t.test('each role sees its own claims', async (t) => {
    t.same(ids(await get(app, '/claims', tk.lawyer)), [A, B, C].sort(), 'a lawyer: the claims they filed');
    t.same(ids(await get(app, '/claims', tk.lawyer2)), [D]);
    t.same(ids(await get(app, '/claims', tk.assessor)), rsAll, 'RS staff: RS claims only');
    t.same(ids(await get(app, '/claims', ba.assessor)), [E], 'BA staff: BA claims only');
    t.same(ids(await get(app, '/claims', tk.auditor)), [...rsAll, E].sort(), 'auditors: every claim');
    const dpo = await get(app, '/claims', tk.dpo);
    t.equal(dpo.statusCode, 403);
    t.equal(dpo.headers['content-type'], 'application/problem+json; charset=utf-8');
    t.equal((await get(app, '/claims')).statusCode, 401);
  });

  await t.test('filters and pagination', async (t) => {
    t.same(ids(await get(app, '/claims?status=applied', tk.auditor)), [B]);
    t.same(ids(await get(app, '/claims?jurisdiction=BA', tk.auditor)), [E]);
    t.same(ids(await get(app, '/claims?jurisdiction=BA', tk.assessor)), [], 'a filter never widens the view');
    const detailA = (await get(app, `/claims/${A}`, tk.lawyer)).json<{ publicReference: string }>();
    t.same(ids(await get(app, `/claims?text=${encodeURIComponent(detailA.publicReference.toLowerCase())}`, tk.auditor)), [A], 'text: public reference');
    t.same(ids(await get(app, '/claims?text=KP-99', tk.auditor)), [D], 'text: case number');
    t.same(ids(await get(app, `/claims?text=${A.slice(0, 8).toUpperCase()}`, tk.auditor)), [A], 'text: a claim id prefix, any case (trigram index)');
    // Nine characters: four random hex digits alone also occur in other random claim ids now and then.
    t.same(ids(await get(app, `/claims?text=${A.slice(9, 18)}`, tk.auditor)), [A], 'text: a substring inside the claim id');
    t.same(ids(await get(app, `/claims?text=${A.slice(0, 2)}`, tk.auditor)).includes(A), true, 'text: two characters (no trigram: a scan) still match');
    t.same(ids(await get(app, '/claims?text=Projection%20Test%20Victim', tk.auditor)), [], 'text: never the victim\'s name');
    t.same(ids(await get(app, '/claims?text=1995-04-12', tk.auditor)), [], 'text: never the date of birth');
    t.same(ids(await get(app, `/claims?text=${A.slice(0, 8)}zz`, tk.auditor)), [], 'text: trigrams present but not the substring');
    t.same(ids(await get(app, '/claims?text=%22%20OR%20x', tk.auditor)), [], 'text: quotes are literal, not FTS syntax');
    for (const bad of ['%00', 'abc%00def', 'ab%01', '%7F%7F%7F']) {
      const r = await get(app, `/claims?text=${bad}`, tk.auditor);
      t.equal(r.statusCode, 400, `text with a control character (${bad}): 400, not an SQLite error`);
      t.match(r.headers['content-type'], /^application\/problem\+json/);
      t.match(r.json(), { errors: [{ path: 'querystring.text' }] });
    }
    const p1 = (await get(app, '/claims?limit=3&offset=0', tk.auditor)).json<{ items: unknown[]; total: number }>();
    const p2 = (await get(app, '/claims?limit=3&offset=3', tk.auditor)).json<{ items: { claimId: string }[]; total: number }>();
    t.equal(p1.total, 5);
    t.equal(p1.items.length, 3);
    t.equal(p2.items.length, 2);
    // Filed one after the other (the clock moves on): A first, E last.
    const order = async (query: string) => (await get(app, `/claims${query}`, tk.auditor)).json<{ items: { claimId: string }[] }>().items.map((c) => c.claimId);
    t.same(await order(''), [E, D, C, B, A], 'newest filings first by default');
    t.same(await order('?sort=newest'), [E, D, C, B, A]);
    t.same(await order('?sort=oldest'), [A, B, C, D, E], 'oldest first on request');
    t.same(await order('?sort=oldest&limit=2&offset=2'), [C, D], 'paginated in that order');
    t.same(await order('?sort=oldest&status=applied'), [B], 'with the filters');
    const badSort = await get(app, '/claims?sort=name', tk.auditor);
    t.equal(badSort.statusCode, 400, 'an order that is not offered');
    t.match(badSort.json(), { errors: [{ path: 'querystring.sort' }] });
    const bad = await get(app, '/claims?status=bogus&limit=0', tk.auditor);
    t.equal(bad.statusCode, 400);
    t.match(bad.json(), { errors: [{ path: /status|limit/ }] });
  });

  await t.test('detail: status, money by head, awarded / paid / outstanding, deadlines', async (t) => {
    const r = await get(app, `/claims/${A}`, tk.lawyer);
    t.equal(r.statusCode, 200);
    const d = r.json<{ status: string; money: object; moneyByHead: { assessed: unknown }; fund: { approvals: string[]; approvalsNeeded: number }; deadlines: unknown }>();
    t.equal(d.status, 'scheduled');
    t.match(d.money, { currency: 'RSD', claimed: 150_000_000, courtAwarded: 100_000_000, awarded: 90_000_000, paid: 45_000_000, outstanding: 45_000_000 });
    t.same(d.moneyByHead.assessed, [{ head: 'non-pecuniary', amount: { amountMinor: 90_000_000, currency: 'RSD' } }]);
    t.same(d.fund.approvals, ['approver-1', 'approver-2']);
    t.equal(d.fund.approvalsNeeded, 2);
    t.same(d.deadlines, [{ kind: 'instalment', dueOn: '2027-01-04', instalment: 2 }]);
    t.notOk('fullName' in d || JSON.stringify(d).includes('Projection Test Victim'), 'no personal data in the detail');
    // Who may not read a claim gets the answer for a claim that does not exist (its existence is not theirs to learn).
    const none = '00000000-0000-4000-8000-000000000001';
    for (const [who, token] of [['another lawyer', tk.lawyer2], ['staff of another jurisdiction', ba.assessor]] as const) {
      for (const path of ['', '/history', '/state', '/integrity', '/personal-data']) {
        const other = await get(app, `/claims/${A}${path}`, token);
        const unknown = await get(app, `/claims/${none}${path}`, token);
        t.equal(other.statusCode, 404, `${who}, ${path || 'detail'}: 404`);
        t.same(other.json<{ detail: string }>().detail.replace(A, none), unknown.json<{ detail: string }>().detail, `${who}, ${path || 'detail'}: as for no claim`);
      }
    }
    t.equal((await get(app, `/claims/${A}`, tk.dpo)).json<{ code: string }>().code, 'forbidden-role', 'a role that sees no claim: 403 whichever the id');
    t.equal((await get(app, `/claims/${none}`, tk.dpo)).json<{ code: string }>().code, 'forbidden-role');
    t.equal((await get(app, `/claims/${A}`, tk.auditor)).statusCode, 200);
    t.equal((await get(app, '/claims/00000000-0000-4000-8000-000000000000', tk.auditor)).statusCode, 404);
    t.equal((await get(app, '/claims/not-a-uuid', tk.auditor)).statusCode, 400);
  });

  await t.test('work queues by role', async (t) => {
    const tasks = async (token: string) => (await get(app, '/work-queue', token)).json<{ items: { task: string; claimId: string; instalment?: number }[] }>().items
      .map((i) => `${i.task}:${i.claimId}${i.instalment ? `#${i.instalment}` : ''}`);
    t.same(await tasks(tk.assessor), [`assess:${B}`], 'assessor: awaiting assessment');
    t.same(await tasks(tk.approver2), [`second-approval:${C}`], 'approver-2: the second approval of C');
    t.same(await tasks(tk.approver1), [], 'approver-1 already approved C: not twice');
    t.same(await tasks(tk.finance), [`disburse-instalment:${A}#2`], 'finance: the instalment due');
    t.same(await tasks(ba.assessor), [], 'BA staff: nothing of RS');
    const approver3 = await h.token('approver-3', ['fund-approver'], ['RS']);
    t.same(await tasks(approver3), [`second-approval:${C}`]);
  });

  await t.test('deadlines', async (t) => {
    const r = (await get(app, '/deadlines', tk.finance)).json<{ items: { claimId: string; kind: string; dueOn: string; overdue: boolean }[] }>();
    t.same(r.items.map((i) => [i.claimId, i.kind, i.dueOn]), [[A, 'instalment', '2027-01-04']]);
    t.equal((await get(app, '/deadlines?before=2026-12-31', tk.finance)).json<{ items: unknown[] }>().items.length, 0);
    t.same((await get(app, '/deadlines', tk.lawyer2)).json<{ items: unknown[] }>().items, [], 'D has no running deadline (no final ruling yet)');
  });

  await t.test('history, as-of state and integrity', async (t) => {
    const hist = (await get(app, `/claims/${A}/history`, tk.auditor)).json<{ events: { revision: number; type: string; occurredAt: string; actor: string; hash: string }[] }>().events;
    t.same(hist.map((e) => e.revision), hist.map((_, i) => i), 'every revision from 0');
    t.equal(hist[0]!.type, 'ClaimFiled');
    t.equal(hist[0]!.actor, 'lawyer-1');
    t.ok(hist.some((e) => e.type === 'PayoutDisbursed' && e.actor === 'finance-1'));

    const integrity = (await get(app, `/claims/${A}/integrity`, tk.auditor)).json<{ status: string; ok: boolean; count: number; unkeyedCount: number; headHash: string }>();
    t.same([integrity.status, integrity.ok, integrity.count, integrity.unkeyedCount, integrity.headHash], ['ok', true, hist.length, 0, hist.at(-1)!.hash],
      'chain and signatures verified; head = last hash of the history');

    // The decider's state after each prefix of the stream.
    const envs = (await readAllEnvelopes(h.env.eventStore)).filter((e) => e.streamId === `claim-${A}`);
    const prefixes: ClaimState[] = [];
    let s = initialState();
    for (const e of envs) {
      if (isClaimEventType(e.type)) s = evolve(s, parseEvent(e.type, e.data) as ClaimEvent);
      prefixes.push(JSON.parse(JSON.stringify(s)) as ClaimState);
    }
    const before = (await get(app, `/claims/${A}/state?asOf=${new Date(Date.parse(hist[0]!.occurredAt) - 1000).toISOString()}`, tk.auditor)).json<{ revision: number | null; state: ClaimState }>();
    t.equal(before.revision, null);
    t.equal(before.state.status, 'none', 'before filing the claim did not exist');
    let between = 0;
    for (let i = 0; i + 1 < hist.length; i++) {
      const a = Date.parse(hist[i]!.occurredAt);
      const b = Date.parse(hist[i + 1]!.occurredAt);
      if (b <= a) continue; // events of one command share their instant
      const mid = new Date(a + Math.floor((b - a) / 2)).toISOString();
      const r = (await get(app, `/claims/${A}/state?asOf=${mid}`, tk.auditor)).json<{ revision: number; state: ClaimState }>();
      t.equal(r.revision, i, `as of ${mid}: revision ${i}`);
      t.same(r.state, prefixes[i], `as of ${mid}: the decider's state after revision ${i}`);
      between += 1;
    }
    t.ok(between >= 5, `${between} instants between events checked`);
    for (const rev of [0, 3, hist.length - 1]) {
      t.same((await get(app, `/claims/${A}/state?revision=${rev}`, tk.auditor)).json<{ state: ClaimState }>().state, prefixes[rev], `revision ${rev}`);
    }
    t.equal((await get(app, `/claims/${A}/state?asOf=yesterday`, tk.auditor)).statusCode, 400);
    t.equal((await get(app, `/claims/${A}/state?revision=1`, tk.lawyer2)).statusCode, 404);
    const beyond = await get(app, `/claims/${A}/state?revision=999`, tk.auditor);
    t.equal(beyond.statusCode, 404, 'a revision the claim has not reached is not answered with the last one');
    t.equal(beyond.json<{ code: string }>().code, 'revision-not-found');
    t.match(beyond.json<{ detail: string }>().detail, `its last is ${hist.length - 1}`);

    // An event appended behind the hash chain's back breaks it at that revision.
    await h.env.eventStore.appendToStream(`claim-${D}`, jsonEvent({ type: 'EvidenceAttached', data: { schemaVersion: 1, claimId: D, documentId: 'FORGED', kind: 'other', sha256: 'a'.repeat(64), title: 'Forged' }, metadata: { prevHash: '0'.repeat(64), hash: 'f'.repeat(64) } }));
    const broken = (await get(app, `/claims/${D}/integrity`, tk.auditor)).json<{ ok: boolean; count: number; firstBrokenRevision: number }>();
    t.same([broken.ok, broken.count, broken.firstBrokenRevision], [false, 2, 2], 'the forged event is found');
  });

  await t.test('integrity: an event forged by someone who can append and hash, but holds no signing key', async (t) => {
    /** Appends to the claim, with the plain client, an event chained exactly as this system chains them, in lawyer-1's name. */
    const forge = async (claimId: string, signer?: ChainSigner): Promise<number> => {
      const stream = `claim-${claimId}`;
      let last: { revision: bigint; hash: string } | undefined;
      for await (const r of h.env.eventStore.readStream(stream)) last = { revision: r.event!.revision, hash: (r.event!.metadata as { hash: string }).hash };
      const data = { schemaVersion: 1, claimId, documentId: 'FORGED', kind: 'other', sha256: 'a'.repeat(64), title: 'Forged' };
      const metadata: Record<string, unknown> = {
        actor: 'lawyer-1', occurredAt: h.clock.now.toISOString(), correlationId: 'forged', causationId: 'forged', schemaVersion: 1,
        prevHash: last!.hash, ...(signer ? { keyId: signer.keyId } : {}),
      };
      metadata.hash = computeEventHash('EvidenceAttached', Buffer.from(JSON.stringify(data)), metadata);
      if (signer) metadata.signature = signer.sign(stream, metadata.hash as string);
      await h.env.eventStore.appendToStream(stream, jsonEvent({ type: 'EvidenceAttached', data, metadata }), { expectedRevision: last!.revision });
      return Number(last!.revision) + 1;
    };
    const integrity = async (claimId: string) => {
      const r = await get(app, `/claims/${claimId}/integrity`, tk.auditor);
      t.equal(r.statusCode, 200);
      return r.json<{ status: string; ok: boolean; count: number; unkeyedCount: number; firstBrokenRevision?: number; reason?: string }>();
    };
    const unsigned = await fileClaim(h, tk.lawyer);
    const signedElsewhere = await fileClaim(h, tk.lawyer);
    await h.catchUp();
    t.match(await integrity(unsigned), { status: 'ok', ok: true, unkeyedCount: 0 }, 'as written by the command service');

    const at = await forge(unsigned);
    t.match(await integrity(unsigned), { status: 'broken', ok: false, count: at, firstBrokenRevision: at, reason: 'unsigned event after signed events' },
      'correctly hash-chained, unsigned: not written by this system');
    const at2 = await forge(signedElsewhere, ChainSigner.generate());
    t.match(await integrity(signedElsewhere), { status: 'broken', ok: false, count: at2, firstBrokenRevision: at2, reason: /^unknown key/ },
      'signed with a key this system does not trust');
  });

  await t.test('fund year', async (t) => {
    const year = rsYear(h.clock.now);
    type Commitments = { awardYear: number; claims: number; tiedMinor: number; paidMinor: number }[];
    const f = (await get(app, `/funds/RS/${year}`, tk.finance)).json<{ claims: { claimId: string }[]; commitmentsByAwardYear: Commitments }>();
    // A's second instalment falls due on 2027-01-04: committed in 2027 when its award is of an earlier year.
    const later = year < 2027 ? 45_000_000 : 0;
    t.match(f, {
      currency: 'RSD', allocatedMinor: 10_000_000_000, committedMinor: 90_000_000, releasedMinor: later, disbursedMinor: 45_000_000,
      outstandingMinor: 45_000_000 - later, availableMinor: 10_000_000_000 - 90_000_000 + later,
    });
    t.same(f.claims.map((c) => c.claimId), [A]);
    t.same(f.commitmentsByAwardYear, [{ awardYear: year, claims: 1, tiedMinor: 90_000_000 - later, paidMinor: 45_000_000 }], 'the year\'s commitments by the year of their award');
    if (later > 0) {
      const next = (await get(app, '/funds/RS/2027', tk.finance)).json<{ committedMinor: number; commitmentsByAwardYear: Commitments }>();
      t.equal(next.committedMinor, later, 'the instalment due in 2027 is committed against 2027\'s budget');
      t.same(next.commitmentsByAwardYear, [{ awardYear: year, claims: 1, tiedMinor: later, paidMinor: 0 }], 'shown as a commitment of an award of an earlier year');
    }
    t.equal((await get(app, `/funds/RS/${year}`, tk.auditor)).statusCode, 200);
    t.equal((await get(app, `/funds/RS/${year}`, tk.lawyer)).statusCode, 403);
    t.equal((await get(app, `/funds/RS/${year}`, ba.finance)).statusCode, 403);
    t.equal((await get(app, `/funds/BA/${year}`, ba.finance)).statusCode, 404);
  });

  await t.test('personal data: visible, denied, recorded, erased', async (t) => {
    const read = (token: string, id = A) => get(app, `/claims/${id}/personal-data`, token);
    const lawyerRead = await read(tk.lawyer);
    t.equal(lawyerRead.statusCode, 200);
    t.match(lawyerRead.json(), { claimId: A, victimRef: `vic-${A}`, personalData: { fullName: 'Projection Test Victim', dateOfBirth: '1995-04-12' } });
    t.equal(lawyerRead.headers['cache-control'], 'no-store');
    t.equal((await read(tk.assessor)).statusCode, 200, 'an assessor of the jurisdiction');
    for (const [who, token] of [['auditor', tk.auditor], ['fund-admin', tk.admin], ['dpo', tk.dpo]] as const) {
      t.equal((await read(token)).statusCode, 403, `${who}: denied`);
    }
    for (const [who, token] of [['another lawyer', tk.lawyer2], ['BA staff', ba.assessor]] as const) {
      t.equal((await read(token)).statusCode, 404, `${who}: as if there were no claim`);
    }
    const log = await get(app, `/claims/${A}/access-log`, tk.auditor);
    t.equal(log.statusCode, 200);
    t.same(log.json<{ reads: { accessedBy: string; roles: string[]; purpose: string }[] }>().reads.map((r) => [r.accessedBy, r.roles, r.purpose]),
      [['lawyer-1', ['lawyer'], 'claim-personal-data'], ['assessor-1', ['fund-assessor'], 'claim-personal-data']], 'two reads recorded, denials are not reads');
    t.equal((await get(app, `/claims/${A}/access-log`, tk.lawyer)).statusCode, 403);
    t.equal((await get(app, `/claims/${A}/access-log`, tk.dpo)).statusCode, 200, 'the dpo of the claim\'s jurisdiction');
    const dpoBA = await h.token('dpo-ba', ['dpo'], ['BA']);
    const dpoNowhere = await h.token('dpo-x', ['dpo'], []);
    for (const [who, token] of [['the dpo of BA', dpoBA], ['a dpo without jurisdiction', dpoNowhere]] as const) {
      const refused = await get(app, `/claims/${A}/access-log`, token);
      t.equal(refused.statusCode, 403, `${who}: the RS access log refused`);
      t.equal(refused.json<{ code: string }>().code, 'wrong-jurisdiction');
      t.notOk(refused.body.includes('assessor-1'), `${who}: no reader named`);
    }
    t.equal((await get(app, `/claims/${crypto.randomUUID()}/access-log`, tk.dpo)).statusCode, 404, 'no such claim');
    t.notOk(log.body.includes('Projection Test Victim'), 'the log names readers, never the data');

    const erased = await h.post(`/victims/vic-${A}/erasure`, tk.dpo, { reason: 'Erasure request of the data subject.' });
    t.equal(erased.statusCode, 200, erased.body);
    t.same((await read(tk.lawyer)).json<{ personalData: unknown }>().personalData, '[erased]', 'erased key: [erased] before the event is projected');
    await h.catchUp();
    t.same((await read(tk.lawyer)).json<{ personalData: unknown }>().personalData, '[erased]', 'and after');
    t.equal((await get(app, `/claims/${A}`, tk.lawyer)).json<{ personalData: { erased: boolean } }>().personalData.erased, true);
    t.equal((await get(app, `/claims/${A}/access-log`, tk.auditor)).json<{ reads: unknown[] }>().reads.length, 2, 'no read recorded after erasure');

    // Across claims: who saw whose data, from the projected PersonalDataAccessed events.
    await t.test('every recorded read, across claims, for auditors', async (t) => {
      const all = await get(app, '/personal-data-reads', tk.auditor);
      t.equal(all.statusCode, 200, all.body);
      const body = all.json<{ items: { claimId: string; accessedBy: string; roles: string[]; victimRef: string }[]; total: number }>();
      t.equal(body.total, 2);
      t.same(body.items.map((r) => [r.claimId, r.accessedBy, r.victimRef]), [[A, 'assessor-1', `vic-${A}`], [A, 'lawyer-1', `vic-${A}`]], 'newest first');
      t.same(ids2(await get(app, '/personal-data-reads?accessedBy=assessor-1', tk.auditor)), ['assessor-1'], 'by reader');
      t.equal((await get(app, `/personal-data-reads?claimId=${B}`, tk.auditor)).json<{ total: number }>().total, 0, 'by claim');
      t.equal((await get(app, '/personal-data-reads?from=2100-01-01T00:00:00Z', tk.auditor)).json<{ total: number }>().total, 0, 'by period');
      t.equal((await get(app, '/personal-data-reads?limit=1&offset=1', tk.auditor)).json<{ items: unknown[] }>().items.length, 1, 'paginated');
      t.equal((await get(app, '/personal-data-reads', tk.dpo)).statusCode, 200, 'the dpo too');
      t.equal((await get(app, '/personal-data-reads', tk.lawyer)).statusCode, 403);
      t.equal((await get(app, '/personal-data-reads?nope=1', tk.auditor)).statusCode, 400, 'unknown parameters refused');
      t.notOk(all.body.includes('Projection Test Victim'), 'readers and victims by reference, never the data');

      // The dpo lists the reads of their jurisdictions' claims only.
      t.equal((await get(app, `/claims/${E}/personal-data`, ba.lawyer)).statusCode, 200, 'a read of the BA claim');
      await h.catchUp();
      const claimsOf = (r: { json: <T>() => T }) => r.json<{ items: { claimId: string }[] }>().items.map((i) => i.claimId);
      t.same(claimsOf(await get(app, '/personal-data-reads', tk.auditor)), [E, A, A], 'auditors: every read');
      t.same(claimsOf(await get(app, '/personal-data-reads', tk.dpo)), [A, A], 'the dpo of RS: the RS reads');
      const baReads = await get(app, '/personal-data-reads', dpoBA);
      t.same(claimsOf(baReads), [E], 'the dpo of BA: the BA read');
      t.equal(baReads.json<{ total: number }>().total, 1, 'counted within the scope');
      t.equal((await get(app, `/personal-data-reads?claimId=${A}`, dpoBA)).json<{ total: number }>().total, 0, 'an RS claim asked for by the dpo of BA');
      t.equal((await get(app, '/personal-data-reads?accessedBy=assessor-1', dpoBA)).json<{ total: number }>().total, 0, 'an RS reader asked for by the dpo of BA');
      const nowhere = await get(app, '/personal-data-reads', dpoNowhere);
      t.equal(nowhere.statusCode, 403, 'a dpo without jurisdiction');
      t.equal(nowhere.json<{ code: string }>().code, 'wrong-jurisdiction');
    });
  });

  await t.test('admin rebuild equals the incremental read model', async (t) => {
    await h.catchUp();
    const before = (await get(app, '/admin/digest', tk.auditor)).json<{ digest: string; counts: Record<string, number> }>();
    t.ok(before.counts.claims === 7, 'A to E and the two claims of the forged events');
    const operator = await h.token('operator-1', ['operator'], []);
    t.equal((await get(app, '/admin/digest', operator)).json<{ digest: string }>().digest, before.digest, 'the operator reads the digest');
    // Rebuilding and the digest concern every jurisdiction: fund admins, even of all of them, may not.
    const adminEverywhere = await h.token('admin-9', ['fund-admin'], ['RS', 'BA', 'ME', 'AL', 'MK', 'XK']);
    for (const [who, token] of [['auditor', tk.auditor], ['fund-admin', tk.admin], ['fund-admin of every jurisdiction', adminEverywhere]] as const) {
      const refused = await app.inject({ method: 'POST', url: '/admin/rebuild', headers: { authorization: `Bearer ${token}` } });
      t.equal(refused.statusCode, 403, `${who}: no rebuild`);
      t.match(refused.headers['content-type'], /^application\/problem\+json/);
    }
    for (const token of [tk.admin, adminEverywhere]) t.equal((await get(app, '/admin/digest', token)).statusCode, 403, 'fund-admin: no digest');
    const r = await app.inject({ method: 'POST', url: '/admin/rebuild', headers: { authorization: `Bearer ${operator}` } });
    t.equal(r.statusCode, 200);
    t.equal(r.json<{ digest: string }>().digest, before.digest, 'rebuilt from $all = built incrementally');
    t.same(ids(await get(app, '/claims?text=KP-99', tk.auditor)), [D], 'the search index is rebuilt too');
    t.equal((h.store.db.prepare("SELECT count(*) AS n FROM claim_search WHERE claim_search MATCH '\"kp-\" AND \"p-9\" AND \"-99\"'").get() as { n: number }).n, 1,
      'one index entry per claim after a rebuild (none left over)');
  });

  await t.test('operations: docs with examples, metrics, health', async (t) => {
    type Operation = { responses?: Record<string, { content?: Record<string, { schema?: unknown; example?: unknown; examples?: unknown }> }> };
    const doc = (await get(app, '/openapi.json')).json<{ paths: Record<string, { get?: Operation; post?: Operation }> }>();
    const expected = ['/claims', '/claims/{id}', '/claims/{id}/history', '/claims/{id}/state', '/claims/{id}/integrity', '/claims/{id}/personal-data',
      '/claims/{id}/access-log', '/personal-data-reads', '/work-queue', '/deadlines', '/funds/{jurisdiction}/{year}', '/monitoring/indicators', '/admin/rebuild', '/admin/digest'];
    for (const path of expected) {
      const op = doc.paths[path]?.get ?? doc.paths[path]?.post;
      t.ok(op, `${path} documented`);
      const media = op?.responses?.['200']?.content?.['application/json'];
      t.ok(media?.schema && (media.example !== undefined || media.examples !== undefined), `${path}: a schema and an example answer`);
    }
    const metrics = (await get(app, '/metrics')).body;
    for (const name of ['cfund_projection_consumer_lag_events', 'cfund_projection_consumer_lag_seconds', 'cfund_projection_dead_letters_total', 'cfund_projection_events_total']) {
      t.ok(metrics.includes(name), name);
    }
    t.match(metrics, /cfund_projection_events_total\{outcome="applied"\} [1-9]/);
    t.equal((await get(app, '/health')).statusCode, 200);
    t.equal((await get(app, '/ready')).statusCode, 200);
  });
});
