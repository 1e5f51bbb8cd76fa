// Deadline computation speed: µs per call of applicationDeadline and appealDeadline over every
// scheme version and every day of 2025-2027, after a warm-up (holiday caches filled).
// Run: pnpm bench:deadlines [other built domain's index.js ...] — several builds are measured
// in turns within one process, so their ratio holds on a noisy machine. Figures on stdout, the
// rounds' progress on stderr. service-kit depends on the domain, so the domain cannot declare it:
// it comes from the root workspace, which runs this script.
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { withProgress } from '@cfund/service-kit';

const builds = [new URL('../dist/index.js', import.meta.url).href, ...process.argv.slice(2).map((p) => pathToFileURL(path.resolve(p)).href)];
const domains = await Promise.all(builds.map((b) => import(b)));
const days = [];
for (let t = Date.UTC(2025, 0, 1); t < Date.UTC(2028, 0, 1); t += 86_400_000) days.push(new Date(t).toISOString().slice(0, 10));

const calls = {
  applicationDeadline: (d, s, day) => d.applicationDeadline(s, { incidentOn: day, rulingFinalOn: day, enforcementFailedOn: day }),
  appealDeadline: (d, s, day) => d.appealDeadline(s, `${day}T21:30:00Z`),
};

function measure(domain, call) {
  const all = domain.schemes.jurisdictions.flatMap((j) => domain.schemes.versionsOf(j));
  let sink = 0;
  const start = performance.now();
  for (const s of all) for (const day of days) sink += call(domain, s, day)?.length ?? 0;
  return { us: ((performance.now() - start) * 1000) / (all.length * days.length), sink };
}

/** A measurement blocks the event loop: a turn of it between two lets the progress be printed. */
const turn = () => new Promise((resolve) => setTimeout(resolve, 0));

for (const [name, call] of Object.entries(calls)) {
  const best = domains.map(() => Infinity);
  await withProgress(name, { total: 6 * domains.length, unit: 'rounds' }, async (progress) => {
    for (const d of domains) { measure(d, call); progress.advance(1); await turn(); } // warm-up
    for (let round = 0; round < 5; round++) {
      for (const [i, d] of domains.entries()) {
        best[i] = Math.min(best[i], measure(d, call).us);
        progress.advance(1);
        await turn();
      }
    }
  });
  const figures = best.map((us, i) => `${i === 0 ? 'this build' : builds[i]}: ${us.toFixed(2)} µs`).join(', ');
  const ratio = best.length > 1 ? ` (other / this: ${best.slice(1).map((us) => (us / best[0]).toFixed(1)).join(', ')})` : '';
  console.log(`${name} per call, best of 5 rounds: ${figures}${ratio}`);
}
