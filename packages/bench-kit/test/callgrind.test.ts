/** The instruction count read from callgrind's dumps (the figure bench:instructions compares between commits). */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { callgrindPrefix, callgrindTotal } from '../src/index.ts';

t.test('a dump\'s total: its totals line, else the sum of its summary lines', async (t) => {
  t.equal(callgrindTotal('version: 1\ncreator: callgrind-3.19.0\nevents: Ir\nsummary: 110436962\n\nfn=(1) main\n3 10\ntotals: 110562553\n'), 110562553);
  t.equal(callgrindTotal('events: Ir\nsummary: 100\nfn=(1) a\n1 100\nsummary: 23\n'), 123, 'without totals, every part\'s summary');
  t.throws(() => callgrindTotal('not a dump'), /not a callgrind dump/);
});

const hasValgrind = (() => {
  try {
    execFileSync('valgrind', ['--version']);
    return true;
  } catch {
    return false;
  }
})();

t.test('the count of a real dump is what callgrind printed', { skip: hasValgrind ? false : 'valgrind is not installed' }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callgrind-test-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'true.out');
  // Without -q, callgrind prints the count it collected on stderr.
  const [valgrind, ...args] = callgrindPrefix(out).filter((a) => a !== '-q') as [string, ...string[]];
  const result = spawnSync(valgrind, [...args, '/bin/true'], { encoding: 'utf8' });
  const printed = /Collected : (\d+)/.exec(result.stderr)?.[1];
  t.ok(printed, 'callgrind printed its count');
  t.equal(callgrindTotal(fs.readFileSync(out, 'utf8')), Number(printed));
});
