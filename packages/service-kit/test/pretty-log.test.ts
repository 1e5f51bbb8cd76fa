/** Readable log lines: the same redaction as JSON, a layout a person reads, LOG_FORMAT validated. */
import t from 'tap';
import { PassThrough } from 'node:stream';
import { createLogger } from '../src/logger.ts';
import { commonEnv, parseEnv } from '../src/config.ts';
import { defaultLogFormat, prettyLine } from '../src/pretty-log.ts';

const NAME = 'Zlatomira Quxbertovna';

t.test('pretty lines keep personal data redacted', async (t) => {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => { text += c.toString(); });
  const logger = createLogger({ destination: out, format: 'pretty', service: 'command', level: 'debug' });
  logger.info({ claimId: 'claim-42', personalData: { fullName: NAME }, fullName: NAME }, 'claim filed');
  logger.warn({ command: { type: 'FileClaim', victim: { fullName: NAME }, iban: 'RS35260005601001611379' } }, 'refused');
  logger.error({ err: new Error('boom') }, 'failed');
  await new Promise((r) => setImmediate(r));
  t.notOk(text.includes('Zlatomira') || text.includes('Quxbertovna'), 'the name appears nowhere');
  t.notOk(text.includes('RS35260005601001611379'), 'nor the account');
  const lines = text.split('\n');
  t.match(lines[0], /^\d\d:\d\d:\d\d\.\d{3} INFO {2}\[command\] claim filed claimId=claim-42 personalData=\[redacted\] fullName=\[redacted\]$/);
  t.match(lines[1], /WARN {2}\[command\] refused command=\{"type":"FileClaim","victim":"\[redacted\]","iban":"\[redacted\]"\}$/);
  t.match(lines[2], /ERROR \[command\] failed$/);
  t.match(lines[3], /^ {2}Error: boom$/, 'the stack below, indented');
  t.notOk(text.includes('{"level"'), 'not JSON');
});

t.test('lines that are not JSON pass; colours only when asked', async (t) => {
  t.equal(prettyLine('plain'), 'plain\n');
  t.ok(prettyLine('{"level":50,"time":0,"msg":"x"}', true).includes('\x1b[31mERROR\x1b[0m x'));
});

t.test('LOG_FORMAT: json or pretty, else a message naming it; unset: by terminal', async (t) => {
  t.equal(parseEnv(commonEnv(4000), { LOG_FORMAT: 'pretty' }).LOG_FORMAT, 'pretty');
  t.equal(parseEnv(commonEnv(4000), {}).LOG_FORMAT, undefined);
  t.throws(() => parseEnv(commonEnv(4000), { LOG_FORMAT: 'yaml' }), /LOG_FORMAT/);
  t.equal(defaultLogFormat({ isTTY: true }), 'pretty');
  t.equal(defaultLogFormat({}), 'json');
});
