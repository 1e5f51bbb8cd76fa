/**
 * The errors plugin through real HTTP (inject) with the mappings its caller gives: each package
 * answers its own errors, the plugin knows none of them.
 */
import t from 'tap';
import Fastify from 'fastify';
import { problemType, type ErrorProblemMapping } from '@cfund/contracts';
import { DomainError, domainErrorProblem } from '@cfund/domain';
import { RevisionMismatchError, eventStoreErrorProblem } from '@cfund/eventstore';
import { PROBLEM_CONTENT_TYPE, createLogger, errorsPlugin } from '../src/index.ts';

class ClaimLockedError extends Error {}

/** A caller's own error: 423 with a header, logged at warn. */
const claimLockedProblem: ErrorProblemMapping = (error) => (error instanceof ClaimLockedError
  ? { type: problemType('claim-locked'), title: 'Locked', status: 423, code: 'claim-locked', detail: 'The claim is locked.', headers: { 'retry-after': '7' }, warn: 'claim locked' }
  : undefined);

/** An app whose route throws `error`, with the mappings given, logging into `logs`. */
async function appThrowing(error: Error, problems: ErrorProblemMapping[]) {
  const logs: string[] = [];
  const app = Fastify({ loggerInstance: createLogger({ destination: { write: (line: string) => { logs.push(line); } } }) });
  await app.register(errorsPlugin, { problems });
  app.get('/claims/:id', async () => { throw error; });
  await app.ready();
  return { app, logs };
}

t.test('an error a given mapping knows: its problem, headers and code, with the request path as instance', async (t) => {
  const { app, logs } = await appThrowing(new ClaimLockedError('locked by someone'), [claimLockedProblem]);
  t.teardown(() => app.close());
  const r = await app.inject({ method: 'GET', url: '/claims/c-1?text=Zlatomira' });
  t.equal(r.statusCode, 423);
  t.equal(r.headers['content-type'], PROBLEM_CONTENT_TYPE);
  t.equal(r.headers['retry-after'], '7');
  t.same(r.json(), { type: 'https://cfund.example/problems/claim-locked', title: 'Locked', status: 423, code: 'claim-locked', detail: 'The claim is locked.', instance: '/claims/c-1' });
  t.match(logs.join(''), /"level":40.*"msg":"claim locked"/, 'logged at warn with the error, as the mapping asked');
});

t.test('without a mapping that knows it, the same error is a 500 without internals', async (t) => {
  const { app, logs } = await appThrowing(new ClaimLockedError('locked by someone'), [domainErrorProblem, eventStoreErrorProblem]);
  t.teardown(() => app.close());
  const r = await app.inject({ method: 'GET', url: '/claims/c-1' });
  t.equal(r.statusCode, 500);
  t.match(r.json(), { type: 'https://cfund.example/problems/internal', status: 500 });
  t.notMatch(r.body, /locked by someone/, 'the message stays in the log');
  t.match(logs.join(''), /unhandled error/);
});

t.test('mappings are asked in order: the first that knows the error answers', async (t) => {
  const teapot: ErrorProblemMapping = () => ({ type: problemType('teapot'), title: 'I\'m a teapot', status: 418 });
  const first = await appThrowing(new ClaimLockedError('x'), [claimLockedProblem, teapot]);
  const second = await appThrowing(new ClaimLockedError('x'), [teapot, claimLockedProblem]);
  t.teardown(() => first.app.close());
  t.teardown(() => second.app.close());
  t.equal((await first.app.inject('/claims/c-1')).statusCode, 423);
  t.equal((await second.app.inject('/claims/c-1')).statusCode, 418);
});

t.test('the domain\'s and the event store\'s own mappings', async (t) => {
  const cases: [Error, number, string, Record<string, string>][] = [
    [new DomainError('four-eyes', 'A second approver is needed.', { kind: 'authorization' }), 403, 'four-eyes', {}],
    [new DomainError('late-filing', 'Filed after the deadline.'), 409, 'late-filing', {}],
    [new RevisionMismatchError('claim-c-1', 3n, 5n), 412, 'revision-mismatch', { etag: '"5"' }],
  ];
  for (const [error, status, code, headers] of cases) {
    const { app } = await appThrowing(error, [domainErrorProblem, eventStoreErrorProblem]);
    t.teardown(() => app.close());
    const r = await app.inject('/claims/c-1');
    t.equal(r.statusCode, status, code);
    t.match(r.json(), { type: `https://cfund.example/problems/${code}`, status, code });
    for (const [name, value] of Object.entries(headers)) t.equal(r.headers[name], value);
  }
});
