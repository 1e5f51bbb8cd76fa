/** Log redaction: no victim's personal data, secret or query value reaches a log line. */
import t from 'tap';
import { childLogger, createLogger, loggableUrl } from '../src/logger.ts';
import { createServiceFastify } from '../src/service-app.ts';

const NAME = 'Zlatomira Quxbertovna';
const person = { fullName: NAME, dateOfBirth: '1994-02-11', contacts: { email: 'zq@example.org', phone: '+381 64 1234567' }, address: 'Ulica 1, Niš' };

t.test('log redaction', async (t) => {
  const lines: string[] = [];
  const logger = createLogger({ destination: { write: (line: string) => void lines.push(line) }, level: 'debug', service: 'command' });
  logger.info({ claimId: 'claim-42', jurisdiction: 'RS', personalData: person }, 'claim filed');
  logger.info({ req: { method: 'POST', url: '/claims', body: { jurisdiction: 'RS', personalData: person } } }, 'request');
  logger.debug({ command: { type: 'FileClaim', fullName: NAME, victim: { fullName: NAME } } }, 'command');
  logger.warn({ deep: { a: { fullName: NAME, email: 'zq@example.org', phone: '+381 64 1234567' } }, list: [{ fullName: NAME }] }, 'nested');
  logger.info({ name: NAME, dateOfBirth: '1994-02-11', address: person.address, contacts: person.contacts }, 'top level');
  logger.child({ requestId: 'r-1' }).info({ body: { personalData: person } }, 'child logger');
  logger.info({ req: { headers: { authorization: 'Bearer secret.jwt.token' } } }, 'auth header');
  const out = lines.join('');
  t.equal(lines.length, 7);
  t.notOk(out.includes('Zlatomira'), 'the name appears nowhere');
  t.notOk(out.includes('Quxbertovna'));
  t.notOk(out.includes('zq@example.org'), 'nor the email');
  t.notOk(out.includes('1234567'), 'nor the phone');
  t.notOk(out.includes('1994-02-11'), 'nor the date of birth');
  t.notOk(out.includes('Niš'), 'nor the address');
  t.notOk(out.includes('secret.jwt.token'), 'nor the bearer token');
  t.ok(out.includes('claim-42') && out.includes('"jurisdiction":"RS"') && out.includes('r-1'), 'other fields are kept');
  t.ok(lines.every((line) => JSON.parse(line).service === 'command'), 'the service name survives (pino\'s `name` would be redacted)');
  t.ok(out.includes('[redacted]'));
});

t.test('request URLs are logged without their query values', async (t) => {
  t.equal(loggableUrl('/claims/c-1/history'), '/claims/c-1/history');
  t.equal(loggableUrl('/claims?text=Zlatomira%20Q&limit=5'), '/claims?text=[redacted]&limit=[redacted]');
  t.equal(loggableUrl('/claims?Zlatomira'), '/claims?Zlatomira=[redacted]', 'a bare word keeps only its shape as a name');
  t.equal(loggableUrl('/claims?a%20b=c'), '/claims?_=[redacted]', 'a name that is not a plain identifier is not kept either');
  const lines: string[] = [];
  const logger = createLogger({ destination: { write: (line: string) => { lines.push(line); } } });
  logger.info({ req: { method: 'GET', url: '/claims?text=Zlatomira', ip: '127.0.0.1', socket: { remotePort: 5 } } }, 'incoming request');
  t.notOk(lines.join('').includes('Zlatomira'));
  t.match(JSON.parse(lines[0]!), { req: { method: 'GET', url: '/claims?text=[redacted]', remoteAddress: '127.0.0.1', remotePort: 5 } });
});

t.test('a request\'s child logger writes what pino\'s own child writes, redaction included', async (t) => {
  const lines: string[] = [];
  const logger = createLogger({ destination: { write: (line: string) => void lines.push(line) }, level: 'debug', service: 'command', timestamp: false });
  const ids = ['req-1', 'a "quoted" id', 'tab\there\nnewline', 'é ∑ 😀', 'lone \ud800 surrogate', '\u0000\u001f\u007f', 'x'.repeat(300)];
  for (const [key, value] of [...ids.map((id) => ['reqId', id]), ['requestId', 'r-2'], ['fullName', NAME], ['name', NAME]] as [string, string][]) {
    for (const make of [() => logger.child({ [key]: value }), () => childLogger(logger, { [key]: value }, {})]) {
      make().warn({ body: { personalData: person }, n: 1 }, 'line');
    }
    const [pinos, ours] = lines.splice(0);
    t.equal(ours, pinos, `${key}: ${JSON.stringify(value).slice(0, 40)}`);
  }
  childLogger(logger, { reqId: 'r-3' }, { level: 'error' }).warn('below the child\'s level');
  childLogger(logger, { reqId: 'r-4', nested: { fullName: NAME } as unknown as string }, {}).warn('an object binding');
  t.equal(lines.length, 1, 'options still apply');
  t.notOk(lines.join('').includes('Zlatomira'), 'an object binding is redacted by pino');

  const app = createServiceFastify({ logger });
  app.get('/log', async (request) => { request.log.warn({ personalData: person }, 'from a route'); return {}; });
  await app.inject({ method: 'GET', url: '/log', headers: { 'x-request-id': 'client "id"' } });
  await app.close();
  const line = JSON.parse(lines.find((l) => l.includes('from a route'))!) as Record<string, unknown>;
  t.equal(line.reqId, 'client "id"', 'a request\'s lines carry its id');
  t.equal(line.personalData, '[redacted]');
});
