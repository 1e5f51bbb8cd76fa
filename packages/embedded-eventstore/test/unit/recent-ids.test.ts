import t from 'tap';
import { RecentIds } from '../../src/index/recent-ids.js';

t.test('keeps the last `capacity` ids and forgets older ones', async (t) => {
  const ids = new RecentIds(3);
  for (let i = 0; i < 5; i++) ids.add(`id-${i}`, 's', i);
  t.equal(ids.get('id-0'), undefined);
  t.equal(ids.get('id-1'), undefined);
  t.same(ids.get('id-2'), { stream: 's', revision: 2 });
  t.same(ids.get('id-4'), { stream: 's', revision: 4 });
});

t.test('an id written again keeps its newest place and is not evicted by its own old slot', async (t) => {
  const ids = new RecentIds(2);
  ids.add('a', 's', 0);
  ids.add('a', 't', 5);
  ids.add('b', 's', 1);
  t.same(ids.get('a'), { stream: 't', revision: 5 }, 'the newest record of a');
  t.same(ids.get('b'), { stream: 's', revision: 1 });
});
