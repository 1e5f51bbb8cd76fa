/** Progress: rate over a sliding window, time left from a known or measured share, and its printing. */
import { PassThrough } from 'node:stream';
import t from 'tap';
import { Progress, formatProgress, reportProgress, withProgress } from '../src/progress.ts';

t.test('with a known total: rate over the window and time left', async (t) => {
  let now = 0;
  const p = new Progress({ total: 1000, windowSeconds: 2, now: () => now });
  // 100 units a second for 5 s, then 10 a second for 3 s: the window only sees the slow part.
  for (let s = 1; s <= 5; s += 1) { now = s * 1000; p.advance(100); }
  for (let s = 6; s <= 8; s += 1) { now = s * 1000; p.advance(10); }
  const snap = p.snapshot();
  t.equal(snap.done, 530);
  t.equal(snap.total, 1000);
  t.equal(snap.elapsedSeconds, 8);
  t.equal(snap.ratePerSecond, 10, 'the rate of the last window, not of the whole run');
  t.equal(Math.round(snap.etaSeconds!), 47, '470 units left at 10/s');
});

t.test('with a measured share only: the total is estimated', async (t) => {
  let now = 0;
  const p = new Progress({ now: () => now });
  now = 1000; p.advance(200, 0.25);
  now = 2000; p.advance(200, 0.5);
  const snap = p.snapshot();
  t.equal(snap.total, 800);
  t.equal(snap.ratePerSecond, 200);
  t.equal(snap.etaSeconds, 2, 'half left at a quarter a second');
  t.equal(formatProgress('rebuild', snap), 'rebuild 50% 400/800 events 200/s ETA 2s');
});

t.test('with neither: only the rate and the time elapsed', async (t) => {
  let now = 0;
  const p = new Progress({ now: () => now });
  now = 4000; p.advance(1000);
  const snap = p.snapshot();
  t.same(snap, { done: 1000, ratePerSecond: 250, elapsedSeconds: 4 });
  t.equal(formatProgress('bench', snap, { unit: 'claims' }), 'bench 1000 claims 250/s elapsed 4s');
  t.equal(formatProgress('bench', { done: 2, ratePerSecond: 0.4, elapsedSeconds: 5 }, { unit: 'rounds' }), 'bench 2 rounds 0.4/s elapsed 5s', 'a slow rate keeps a decimal');
  t.equal(formatProgress('bench', { done: 0, ratePerSecond: 0, elapsedSeconds: 5 }, { unit: 'rounds' }), 'bench 0 rounds 0/s elapsed 5s');
});

t.test('done: no time left, a bar when asked', async (t) => {
  let now = 0;
  const p = new Progress({ total: 10, now: () => now });
  now = 500; p.advance(10);
  t.equal(p.snapshot().etaSeconds, 0);
  t.match(formatProgress('x', p.snapshot(), { bar: true }), /^x \[#{24}\] 100% 10\/10 events 20\/s ETA 0s$/);
});

t.test('printed: plain lines off a terminal, redrawn in place on one', async (t) => {
  const p = new Progress({ total: 4 });
  const plain = new PassThrough();
  let text = '';
  plain.on('data', (chunk: Buffer) => { text += chunk.toString(); });
  const reporter = reportProgress('work', () => p.snapshot(), { out: plain, everySeconds: 0.05 });
  p.advance(2);
  await new Promise((resolve) => setTimeout(resolve, 120));
  p.advance(2);
  reporter.stop();
  const lines = text.trim().split('\n');
  t.ok(lines.length >= 2, 'a line every interval and a last one');
  t.match(lines[0], /^work 50% 2\/4 events/);
  t.match(lines[lines.length - 1], /^work 100% 4\/4 events .* ETA 0s$/);
  t.notOk(text.includes('\r'));

  const tty = Object.assign(new PassThrough(), { isTTY: true });
  let drawn = '';
  tty.on('data', (chunk: Buffer) => { drawn += chunk.toString(); });
  reportProgress('work', () => p.snapshot(), { out: tty }).stop();
  t.ok(drawn.startsWith('\rwork [#') && drawn.endsWith('\x1b[K\n'), 'redrawn in place, the line cleared to its end');
  t.match(drawn, /100% 4\/4 events/);
});

t.test('finished: the estimated total becomes what was done', async (t) => {
  let now = 0;
  const p = new Progress({ now: () => now });
  now = 1000; p.advance(99, 0.97);
  p.finish();
  t.match(p.snapshot(), { done: 99, total: 99, fraction: 1, etaSeconds: 0 });
});

t.test('a phase with its progress: lines while it runs, a last one when it ends, also when it fails', async (t) => {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => { text += chunk.toString(); });
  const answer = await withProgress('filling', { total: 4, unit: 'claims', out, everySeconds: 0.05 }, async (progress) => {
    progress.advance(2);
    await new Promise((resolve) => setTimeout(resolve, 120));
    progress.advance(2);
    return 'filled';
  });
  t.equal(answer, 'filled', "the work's answer");
  const lines = text.trim().split('\n');
  t.ok(lines.length >= 2, 'a line while it ran and a last one');
  t.match(lines[0], /^filling 50% 2\/4 claims/);
  t.match(lines[lines.length - 1], /^filling 100% 4\/4 claims .* ETA 0s$/);

  text = '';
  await withProgress('appending', { unit: 'appends', out }, async (progress) => { progress.advance(9, 0.96); });
  t.match(text, /^appending 100% 9\/9 appends .* ETA 0s\n$/, 'a timed phase that ended is all done, whatever share was last measured');

  text = '';
  await t.rejects(withProgress('reading', { unit: 'events', out, everySeconds: 0.02 }, async (progress) => {
    progress.advance(3);
    throw new Error('store gone');
  }), /store gone/);
  t.match(text, /^reading 3 events \d+\/s elapsed 0s\n$/, 'the last state is printed, and printing stops');
  await new Promise((resolve) => setTimeout(resolve, 60));
  t.match(text, /^reading [^\n]*\n$/, 'nothing printed after it settled');
});
