/**
 * docs/api-walkthrough.md, run as a reader runs it: every `sh` block, in order, in one bash
 * against the whole system (the three services as processes, as `npm start` runs them), with
 * the tokens minted by `pnpm run token` from the system's DATA_DIR. The statuses the commands
 * print (`HTTP 200`, `HTTP/1.1 412 ...`) must be the ones the `text` blocks after them show, in
 * the same order, and so must the events their answers say were appended (what it printed is kept in `.tap/walkthrough/output.txt`): a walkthrough that drifts from the system (a revision, a date, a step that
 * needs one not written down) fails here, not in a reader's terminal.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { startSystem } from './system.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The walkthrough's shell script (its `sh` blocks) and the statuses its `text` blocks show. */
export function walkthroughOf(markdown: string): { script: string; statuses: string[]; appended: string[] } {
  // The info string whole: `sh illustration` marks a block shown, not run.
  const blocks = [...markdown.matchAll(/^```([^\n]*)\n([\s\S]*?)^```/gm)].map(([, lang, body]) => ({ lang: lang!.trim(), body: body! }));
  return {
    script: blocks.filter((b) => b.lang === 'sh').map((b) => b.body).join('\n'),
    statuses: blocks.filter((b) => b.lang === 'text').flatMap((b) => statusesIn(b.body)),
    appended: blocks.filter((b) => b.lang === 'text').flatMap((b) => appendedIn(b.body)),
  };
}

/** `HTTP 200` as `-w 'HTTP %{http_code}'` prints it, `HTTP/1.1 412 Precondition Failed` as `-i` does. */
function statusesIn(output: string): string[] {
  return [...output.matchAll(/^HTTP(?:\/1\.1)? (\d{3})\b/gm)].map((m) => m[1]!);
}

/** The events each command's answer says it appended (`"events":["ClaimFiled"]`, not a history's list of objects), in order. */
function appendedIn(output: string): string[] {
  return [...output.matchAll(/"events":(\["[^\]]*\])/g)].map((m) => m[1]!);
}

t.test('the walkthrough\'s parts: sh blocks run, text blocks expected', async (t) => {
  const { script, statuses, appended } = walkthroughOf([
    'Intro', '```sh', 'curl -w "HTTP %{http_code}" a', '```', '```text', '{"x":1}', 'HTTP 200', '```',
    '```', 'npm start', '```', '```text', '{"claimId":"c-1","revision":7,"events":["DocumentAttached","InformationRequested"]}', '```', '```sh illustration', 'curl shown-only', '```', 'Prose.',
    '```sh', 'curl -i b', '```', '```text', 'HTTP/1.1 412 Precondition Failed', 'etag: "8"', '```', '',
  ].join('\n'));
  t.equal(script, 'curl -w "HTTP %{http_code}" a\n\ncurl -i b\n', 'only the sh blocks, in order, not those shown only');
  t.same(statuses, ['200', '412']);
  t.same(appended, ['["DocumentAttached","InformationRequested"]']);
});

t.test('docs/api-walkthrough.md against the whole system', async (t) => {
  // npm test installs curl (infra/bootstrap.mjs); a machine where it could not be installed skips.
  if (spawnSync('curl', ['--version']).status !== 0) return t.plan(0, 'curl is not installed: the walkthrough is curl commands');
  const system = await startSystem(t, { logLevel: 'info' });
  if ('skipped' in system) return t.plan(0, system.skipped);
  const { script, statuses, appended } = walkthroughOf(await readFile(join(repoRoot, 'docs', 'api-walkthrough.md'), 'utf8'));
  t.ok(statuses.length >= 40, `the walkthrough shows ${statuses.length} statuses`);
  // The system's ports instead of npm start's; each line must still be there to be replaced.
  let runnable = script;
  for (const [line, url] of [['API=http://127.0.0.1:4001', system.url.command], ['READ=http://127.0.0.1:4002', system.url.projection], ['INBOX=http://127.0.0.1:4003', system.url.notification]] as const) {
    t.ok(runnable.includes(line), `the walkthrough sets ${line}`);
    runnable = runnable.replace(line, line.replace(/=.*/, `=${url}`));
  }
  // The reader runs it at the repository's root; here the files it writes go to a directory of
  // the test's, and pnpm (for `pnpm -s run token`) runs at the root.
  const workDir = await mkdtemp(join(tmpdir(), 'cfund-walkthrough-'));
  t.teardown(() => rm(workDir, { recursive: true, force: true }));
  const prelude = `pnpm() { command pnpm --dir ${JSON.stringify(repoRoot)} "$@"; }\n`;
  const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number | null }>((done) => {
    const bash = spawn('bash', ['-c', prelude + runnable], {
      cwd: workDir, env: { ...process.env, DATA_DIR: system.dataDir }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    bash.stdout.on('data', (d: Buffer) => { out += d.toString('utf8'); });
    bash.stderr.on('data', (d: Buffer) => { err += d.toString('utf8'); });
    bash.once('close', (c) => done({ stdout: out, stderr: err, code: c }));
  });
  // What it printed, for whoever updates the walkthrough's answers (ids, revisions, figures).
  await mkdir(join(repoRoot, '.tap', 'walkthrough'), { recursive: true });
  await writeFile(join(repoRoot, '.tap', 'walkthrough', 'output.txt'), `${stdout}\n--- stderr ---\n${stderr}`);
  t.equal(code, 0, 'the last command succeeds');
  const got = statusesIn(stdout);
  t.same(got, statuses, 'every command answers the status the walkthrough shows, in order');
  t.same(appendedIn(stdout), appended, 'and appends the events it shows, in order');
  // 23 is curl told to stop writing by `| head -c N` having read enough: no failure of the request.
  t.notMatch(stderr, /^curl: \((?!23\))\d+\)/m, 'curl never failed to make a request');
  t.notMatch(stderr, /\bError\b/, 'no command threw');
  // A reader runs it at the repository's root: what it writes goes to /tmp, never into the clone.
  t.same(await readdir(workDir), [], 'nothing written into the directory it runs from');
});
