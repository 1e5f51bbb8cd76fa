/** The instruction counts read from callgrind's dumps (the figures bench:instructions compares between commits). */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { InstructionCounter, callgrindCount, callgrindPrefix, callgrindTotal, readCallgrindCount } from '../src/index.ts';

t.test('a dump\'s total: its totals line, else the sum of its summary lines', async (t) => {
  t.equal(callgrindTotal('version: 1\ncreator: callgrind-3.19.0\nevents: Ir\nsummary: 110436962\n\nfn=(1) main\n3 10\ntotals: 110562553\n'), 110562553);
  t.equal(callgrindTotal('events: Ir\nsummary: 100\nfn=(1) a\n1 100\nsummary: 23\n'), 123, 'without totals, every part\'s summary');
  t.throws(() => callgrindTotal('not a dump'), /not a callgrind dump/);
});

const threadDump = (thread: number, total: number): string =>
  `version: 1\ncreator: callgrind-3.19.0\npart: 1\nthread: ${thread}\nevents: Ir\nsummary: ${total - 7}\n\nfn=(1) f\n1 ${total}\ntotals: ${total}\n`;

t.test('a dump of separate threads: the main thread\'s count (thread 1) and all threads\' together', async (t) => {
  t.same(callgrindCount([threadDump(3, 2_000), threadDump(1, 70_000), threadDump(2, 0), threadDump(11, 500)]), { mainThread: 70_000, allThreads: 72_500 });
  t.throws(() => callgrindCount([threadDump(2, 10), threadDump(3, 10)]), /no dump of the main thread/);
  t.throws(() => callgrindCount(['version: 1\nevents: Ir\ntotals: 10\n']), /no thread line/, 'a dump of all threads in one is not taken for the main thread');
});

const hasValgrind = (() => {
  try {
    execFileSync('valgrind', ['--version']);
    return true;
  } catch {
    return false;
  }
})();
const noValgrind = hasValgrind ? false : 'valgrind is not installed';

t.test('the count of a real process at exit: all threads\' is what callgrind printed, the main thread\'s part of it', { skip: noValgrind }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callgrind-test-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'node.out');
  // Without -q, callgrind prints the count it collected, over all threads, on stderr. node starts
  // V8's worker threads, which the allocations below give GC work.
  const [valgrind, ...args] = callgrindPrefix(out).filter((a) => a !== '-q') as [string, ...string[]];
  const result = spawnSync(valgrind, [...args, process.execPath, '-e', 'let a = []; for (let i = 0; i < 300000; i++) { a.push({ i }); if (a.length > 50000) a = []; }'], { encoding: 'utf8' });
  const printed = Number(/Collected : (\d+)/.exec(result.stderr)?.[1]);
  t.ok(printed > 0, 'callgrind printed its count');
  const threadFiles = fs.readdirSync(dir).filter((name) => /^node\.out-\d+$/.test(name));
  t.ok(threadFiles.length > 1, `one file per thread (${threadFiles.join(', ')})`);
  const count = readCallgrindCount(out);
  t.equal(count.allThreads, printed);
  t.equal(count.allThreads, threadFiles.reduce((sum, name) => sum + callgrindTotal(fs.readFileSync(path.join(dir, name), 'utf8')), 0), 'the sum of the threads\' files');
  t.ok(count.mainThread > 0 && count.mainThread < count.allThreads, `the main thread's ${count.mainThread} is part of all threads' ${count.allThreads}`);
});

t.test('a phase counted by InstructionCounter: the main thread\'s instructions of work it ran, not its idle', { skip: noValgrind }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callgrind-test-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'worker.out');
  // Runs a loop on its main thread for each line it reads, and answers each line when done.
  const script = 'process.stdin.setEncoding("utf8"); let s = 0; process.stdin.on("data", () => { for (let i = 0; i < 2e6; i++) s += i % 7; process.stdout.write(`done ${s}\\n`); }); process.stdout.write("ready\\n");';
  const [valgrind, ...args] = callgrindPrefix(out) as [string, ...string[]];
  const child = spawn(valgrind, [...args, process.execPath, '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.teardown(() => { child.kill('SIGKILL'); });
  const lines: string[] = [];
  child.stdout.setEncoding('utf8').on('data', (d: string) => lines.push(...d.split('\n').filter(Boolean)));
  const line = async (n: number) => { while (lines.length < n) await once(child.stdout, 'data'); };
  await line(1);
  const counter = new InstructionCounter(child.pid!, out, process.env);

  await counter.zero();
  await new Promise((r) => setTimeout(r, 300));
  const idle = await counter.dump();
  await counter.zero();
  child.stdin.write('go\n');
  await line(2);
  const work = await counter.dump();

  t.ok(fs.existsSync(`${out}.1-01`) && fs.existsSync(`${out}.2-01`), 'the main thread\'s file of each dump');
  t.ok(work.mainThread > 2e6, `2 million loop rounds are more than 2 million instructions (${work.mainThread})`);
  t.ok(idle.mainThread * 10 < work.mainThread, `idle ${idle.mainThread}, working ${work.mainThread}`);
  for (const c of [idle, work]) t.ok(c.mainThread <= c.allThreads, `main thread ${c.mainThread} of ${c.allThreads}`);
});
