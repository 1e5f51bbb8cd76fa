/**
 * The claim page's actions: each role is offered what it may do in the claim's status, and every
 * field an action asks for (or fills in itself) is a property of its command's schema in
 * CommandBodies, and every property the schema requires is asked for or filled in.
 */
import t from 'tap';
import { CommandBodies } from '@cfund/contracts';
import { z } from 'zod';
import { actionsFor, type ClaimForActions } from '../web/src/actions/catalogue.ts';

const principal = (...roles: string[]) => ({ sub: 'someone', name: 'Someone', roles, jurisdictions: ['RS'] });
const claim = (status: string, instalments: { number: number; status: string; dueOn?: string }[] = [], more: Partial<ClaimForActions> = {}): ClaimForActions => ({
  status, fund: { instalments: instalments.map((i) => ({ dueOn: '2026-06-30', ...i })), extension: null, fundYear: 2026, commitmentsSpreadByYear: false },
  applicationOverdue: false, rejectionFinal: false, scheme: { advances: false, recovery: false }, ...more,
});
const paths = (roles: string[], c: ClaimForActions) => actionsFor(principal(...roles), c).map((a) => a.path);

t.test('each role is offered its actions in the statuses the domain takes them', async (t) => {
  t.same(paths(['lawyer'], claim('filed')), ['criminal-proceedings', 'court-rulings', 'ruling-finality', 'enforcement-failures', 'fund-application', 'evidence', 'offender-payments', 'withdrawal', 'preferred-language', 'payee']);
  t.same(paths(['lawyer'], claim('applied')), ['evidence', 'offender-payments', 'withdrawal', 'preferred-language', 'payee'], 'once applied: an offender\'s payment, or withdrawing');
  t.same(paths(['lawyer'], claim('notified')), ['evidence', 'offender-payments', 'appeals', 'withdrawal', 'preferred-language', 'payee'], 'a served decision can be appealed');
  t.same(paths(['lawyer'], claim('scheduled')), ['evidence', 'offender-payments', 'preferred-language', 'payee'], 'no withdrawal once the payout is scheduled');
  t.same(paths(['lawyer'], claim('withdrawn')), ['reopening', 'preferred-language']);
  t.same(paths(['lawyer'], claim('closed')), ['preferred-language'], 'the victim\'s language, in any status');
  t.same(paths(['lawyer'], claim('closed', [], { personalData: { erased: true } })), [], 'nothing more recorded for a victim whose data is erased');
  t.same(paths(['fund-approver'], claim('filed')), [], 'no extension while the application is not late');
  t.same(paths(['fund-approver'], claim('filed', [], { applicationOverdue: true })), ['late-filing-extension']);
  t.same(paths(['fund-approver'], claim('filed', [], { applicationOverdue: true, fund: { instalments: [], extension: 'refused', fundYear: null, commitmentsSpreadByYear: false } })), [], 'decided once');
  t.same(paths(['fund-approver'], claim('appealed')), ['appeal-decision']);
  t.same(paths(['fund-approver'], claim('applied')), [], 'no advance where the scheme makes none');
  t.same(paths(['fund-approver'], claim('applied', [], { scheme: { advances: true, recovery: false } })), ['advance-payments']);
  t.same(paths(['fund-finance'], claim('paid', [{ number: 1, status: 'disbursed' }], { scheme: { advances: false, recovery: true } })),
    ['payouts/1/failure', 'recoveries', 'closure'], 'a paid instalment\'s failure, a recovery where the scheme recovers');
  t.same(paths(['fund-finance'], claim('closed', [], { scheme: { advances: false, recovery: true } })), ['recoveries']);
  t.same(paths(['fund-approver'], claim('notified')), [], 'a served decision does not close');
  t.same(paths(['fund-approver'], claim('notified', [], { rejectionFinal: true })), ['closure'], 'a rejection closes once its appeal period is over');
  t.same(paths(['fund-assessor'], claim('applied')), ['take', 'assessment', 'information-requests'], 'an assessor may take the claim, assess it or ask for information');
  t.same(paths(['fund-assessor', 'fund-approver'], claim('assessed')), ['assessment', 'information-requests', 'approvals', 'rejection'], 'an assessor who approves too: the API refuses four-eyes');
  t.same(paths(['fund-approver'], claim('approved')), ['decision-notice']);
  t.same(paths(['fund-admin'], claim('approved')), ['co-counsel', 'hand-over'], 'the decision notice is the approvers\' (the admin changes who acts)');
  t.same(paths(['fund-finance'], claim('notified')), ['payout-schedule', 'payee']);
  t.same(paths(['fund-finance'], claim('scheduled', [{ number: 1, status: 'disbursed' }, { number: 2, status: 'due' }, { number: 3, status: 'failed' }])),
    ['payouts/2/disbursement', 'payouts/3/disbursement', 'payouts/1/failure', 'payee'], 'each instalment not paid; a failure of the paid one');
  t.same(paths(['fund-finance'], claim('paid')), ['closure']);
  t.same(paths(['fund-approver'], claim('withdrawn')), ['closure']);
  t.same(paths(['lawyer'], claim('paid')), ['evidence', 'offender-payments', 'preferred-language'], 'a lawyer does not close');
  t.same(paths(['auditor'], claim('assessed')), [], 'an auditor only reads');
  const pending = { payee: { pending: { change: 2 } } };
  t.same(paths(['lawyer'], claim('scheduled', [], pending)), ['evidence', 'offender-payments', 'preferred-language'], 'no new payee while a change waits');
  t.same(paths(['fund-finance'], claim('notified', [], pending)), ['payout-schedule', 'payee-confirmation', 'payee-rejection'], 'finance confirms or rejects it');
  t.same(actionsFor(principal('fund-finance'), claim('notified', [], pending)).at(-1)!.fixed, { change: 2 }, 'naming the change seen');
});

t.test('casework: who acts on the claim, and its requests for information', async (t) => {
  const asked = { informationRequests: [{ request: 1, status: 'answered' }, { request: 2, status: 'open' }] };
  t.same(paths(['fund-assessor'], claim('applied', [], asked)), ['take', 'information-requests', 'information-requests/2/withdrawal'],
    'on hold: no assessment; another request, or the open one withdrawn');
  t.same(paths(['fund-assessor'], claim('applied', [], { assessor: 'someone' })), ['assessment', 'information-requests'], 'the assessor of record: nothing to take');
  t.same(paths(['fund-assessor'], claim('applied', [], { assessor: 'another' })), [], 'another assessor\'s claim: theirs to assess and ask');
  t.same(paths(['fund-approver'], claim('assessed', [], asked)), [], 'no decision while on hold');
  t.same(paths(['fund-admin'], claim('applied')), ['co-counsel', 'hand-over', 'assessor'], 'the fund admin changes who acts (the lead left) and assigns the assessor');
  t.same(paths(['fund-admin'], claim('approved')), ['co-counsel', 'hand-over'], 'no assessor once the claim is decided');
  t.same(paths(['fund-admin'], claim('closed')), [], 'nothing on a closed claim');
  // The spread only where the domain's rule says it succeeds (canSpreadCommitments).
  const later = [{ number: 1, status: 'disbursed', dueOn: '2026-06-30' }, { number: 2, status: 'due', dueOn: '2027-06-30' }];
  t.same(paths(['fund-admin'], claim('scheduled', later)), ['co-counsel', 'hand-over', 'commitments-by-year'], 'an old schedule with an instalment due in a later year: spread by year');
  t.same(paths(['fund-admin'], claim('paid', later)), ['co-counsel', 'hand-over', 'commitments-by-year']);
  const spread = (c: ClaimForActions): ClaimForActions => ({ ...c, fund: { ...c.fund, commitmentsSpreadByYear: true } });
  t.same(paths(['fund-admin'], spread(claim('scheduled', later))), ['co-counsel', 'hand-over'], 'spread already (or scheduled by due year): not offered');
  t.same(paths(['fund-admin'], claim('scheduled', [{ number: 1, status: 'due', dueOn: '2026-12-31' }])), ['co-counsel', 'hand-over'], 'everything due in the award\'s year: nothing to spread');
  t.same(paths(['fund-admin'], claim('paid', [{ number: 2, status: 'disbursed', dueOn: '2027-06-30' }])), ['co-counsel', 'hand-over'], 'the later instalment paid: nothing to spread');
  t.same(paths(['fund-admin'], claim('notified')), ['co-counsel', 'hand-over'], 'nothing to spread before a schedule');
  const led = { lawyers: { lead: 'someone', coCounsel: ['lawyer-2'] } };
  t.same(paths(['lawyer'], claim('applied', [], { ...led, ...asked })).slice(0, 4), ['information-requests/2/answer', 'co-counsel', 'co-counsel-removal', 'hand-over'],
    'the lead lawyer answers, and changes who acts on the claim');
  t.same(paths(['lawyer'], claim('applied', [], { lawyers: { lead: 'another', coCounsel: ['someone'] }, ...asked })).slice(0, 2), ['information-requests/2/answer', 'evidence'],
    'a co-counsel answers, and leaves who acts to the lead');
  const answer = actionsFor(principal('lawyer'), claim('applied', [], { ...asked, documentChoices: { 'd-1': 'Document 1' } }))[0]!;
  t.same(answer.fields.map((f) => [f.name, f.kind]), [['answer', 'textarea'], ['documentIds', 'checks']], 'text, and the claim\'s documents to tick');
  t.same(actionsFor(principal('lawyer'), claim('applied', [], { ...led })).find((a) => a.path === 'co-counsel-removal')!.fields[0]!.options, ['lawyer-2']);
});

t.test('every field is a property of the command\'s schema, and every required property is there', async (t) => {
  const statuses = ['filed', 'applied', 'assessed', 'approved', 'notified', 'appealed', 'scheduled', 'paid', 'withdrawn'];
  const all = ['lawyer', 'fund-assessor', 'fund-approver', 'fund-finance', 'fund-admin'];
  const everything = {
    applicationOverdue: true, scheme: { advances: true, recovery: true }, lawyers: { lead: 'someone', coCounsel: ['lawyer-2'] },
    informationRequests: [{ request: 1, status: 'open' }], documentChoices: { '0b6f1c2e-5d4a-4c3b-8a9f-7e6d5c4b3a21': 'Document 1' },
  };
  const actions = [{ pending: null }, { pending: { change: 2 } }].flatMap((payee) => statuses.flatMap((s) =>
    [everything, { ...everything, informationRequests: [] }].flatMap((more) =>
      actionsFor(principal(...all), claim(s, [{ number: 1, status: 'disbursed' }, { number: 2, status: 'due', dueOn: '2027-06-30' }], { ...more, payee })))));
  t.equal(new Set(actions.map((a) => a.command)).size, 35, 'thirty-five commands offered');
  for (const a of actions) {
    const shape = (CommandBodies[a.command] as unknown as z.ZodObject).shape;
    const given = [...a.fields.map((f) => f.name.split('.')[0]!), ...Object.keys(a.fixed ?? {})];
    for (const name of given) t.ok(Object.hasOwn(shape, name), `${a.command}: ${name} is in the schema`);
    for (const f of a.fields.filter((x) => x.name.includes('.'))) {
      const [outer, inner] = f.name.split('.') as [string, string];
      t.ok(Object.hasOwn((shape[outer] as z.ZodObject).shape, inner), `${a.command}: ${f.name} is in the schema`);
    }
    for (const [name, schema] of Object.entries(shape)) {
      if (!(schema as z.ZodType).safeParse(undefined).success) t.ok(given.includes(name), `${a.command}: ${name} is asked for`);
    }
  }
});

t.test('the victim\'s language: each locale in its own words, or none sent as null', async (t) => {
  const field = actionsFor(principal('lawyer'), claim('filed')).find((a) => a.path === 'preferred-language')!.fields[0]!;
  t.same(field.options, ['keep', 'none', 'en', 'sr-Latn', 'sr-Cyrl', 'bs', 'cnr', 'hr', 'sq', 'mk'], 'unchanged, none, then the eight locales');
  t.equal(field.optionText?.sq, 'Shqip', 'Albanian named in Albanian');
  t.equal(field.optionText?.['sr-Cyrl'], 'Српски (ћирилица)');
  t.equal(field.nullOption, 'none', 'none clears it');
  const schema = CommandBodies.setPreferredLanguage;
  t.ok(schema.safeParse({ preferredLanguage: null }).success, 'null is what the API takes for none');
  for (const o of field.options!.filter((x) => x !== field.nullOption && x !== 'keep')) t.ok(schema.safeParse({ preferredLanguage: o }).success, `${o} is a locale the API takes`);
});

t.test('given the victim\'s language in force, when its form is drawn, then it starts on it and saving it unchanged sends nothing', async (t) => {
  const form = (preferredLanguage?: 'sq' | null) => actionsFor(principal('lawyer'), { ...claim('filed'), ...(preferredLanguage !== undefined ? { preferredLanguage } : {}) })
    .find((a) => a.path === 'preferred-language')!;
  t.equal(form('sq').fields[0]!.initial, 'sq', 'a language recorded: it starts on it, not on none');
  t.equal(form(null).fields[0]!.initial, 'none', 'none recorded: it starts on none');
  t.same(form('sq').fields[0]!.options, ['none', 'en', 'sr-Latn', 'sr-Cyrl', 'bs', 'cnr', 'hr', 'sq', 'mk'], 'known: no "unchanged" choice');
  t.equal(form().fields[0]!.initial, 'keep', 'not read (personal data not shown): it starts on "unchanged", never on none');
  for (const f of [form('sq'), form(null), form()]) t.equal(f.onlyChanges, true, 'its initial value is sent by no save');
});

t.test('a document is attached by its SHA-256, computed where the file is', async (t) => {
  const { sha256Hex } = await import('../web/src/digest.ts');
  t.equal(await sha256Hex(new Blob(['abc'])), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', 'the digest of "abc"');
  t.equal(await sha256Hex(new Blob([])), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'of nothing');
});
