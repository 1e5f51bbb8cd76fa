import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { DeadlineExceeded, EventStore } from '@cfund/embedded-eventstore';

const event = (n: number) => ({
  id: crypto.randomUUID(), type: 'Tested', isJson: true,
  data: Buffer.from(JSON.stringify({ n })), metadata: Buffer.alloc(0),
});

t.test('waves of concurrent appends all settle, including those that arrive as a drain ends', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'group-commit-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const store = EventStore.open({ dataDir: dir });
  let written = 0;
  for (let wave = 0; wave < 20; wave++) {
    const appends: Promise<unknown>[] = [];
    for (let k = 0; k < 50; k++) {
      appends.push(store.append(`wave-${k}`, { kind: 'any' }, [event(written), event(written + 1)]));
      written += 2;
    }
    // Awaited directly, as callers do: a stranded append leaves nothing pending, so the process
    // would end with this test unfinished, which tap reports as a failure.
    await Promise.all(appends);
  }
  t.equal(store.all.count, written, 'every event is indexed');
  await store.close();
});

t.test('commits in one group share one write and keep per-stream revisions contiguous', async (t) => {
  const store = EventStore.open({ memDb: true });
  const results = await Promise.all(Array.from({ length: 100 }, (_, i) => store.append('shared', { kind: 'any' }, [event(i)])));
  const revisions = results.map((r) => r.revision).sort((a, b) => a - b);
  t.same(revisions, Array.from({ length: 100 }, (_, i) => i));
  const positions = results.map((r) => r.position!);
  t.equal(new Set(positions).size, 100, 'distinct positions');
  await store.close();
});

t.test('an append whose deadline passes while it waits for its group is not written', async (t) => {
  // The clock: the append is accepted at 0 ms, its group is committed at 2000 ms.
  let calls = 0;
  const store = EventStore.open({ memDb: true, now: () => (calls++ === 0 ? 0 : 2000) });
  const late = store.append('late', { kind: 'any' }, [event(1)], 1000);
  const error: unknown = await late.then(() => undefined, (e: unknown) => e);
  t.ok(error instanceof DeadlineExceeded, 'DeadlineExceeded');
  t.equal(store.stream('late'), undefined, 'nothing written');
  const onTime = await store.append('late', { kind: 'any' }, [event(2)], 5000);
  t.equal(onTime.revision, 0, 'an append within its deadline is written');
  await store.close();
});
