/**
 * The NATS variables every service reads: replicas of the streams and buckets it creates.
 */
import t from 'tap';
import { commonEnv, parseEnv } from '../src/index.ts';

const load = (env: Record<string, string>) => parseEnv(commonEnv(4000), env);

t.test('NATS_STREAM_REPLICAS: 1 by default, 1 to 5, a wrong value named', async (t) => {
  t.equal(load({}).NATS_STREAM_REPLICAS, 1, 'one replica on the embedded single server');
  t.equal(load({ NATS_STREAM_REPLICAS: '3' }).NATS_STREAM_REPLICAS, 3);
  t.equal(load({ NATS_STREAM_REPLICAS: '5' }).NATS_STREAM_REPLICAS, 5);
  for (const wrong of ['0', '6', 'three', '2.5', '-1']) {
    t.throws(() => load({ NATS_STREAM_REPLICAS: wrong }), /NATS_STREAM_REPLICAS: /, `${wrong} is refused, naming the variable`);
  }
});
