/**
 * The NATS variables every service reads: its servers, and the replicas of the streams and
 * buckets it creates. (TLS: infra/test/nats-tls.test.ts, against a real nats-server.)
 */
import t from 'tap';
import { commonEnv, natsConnectOptions, parseEnv } from '../src/index.ts';

const load = (env: Record<string, string>) => parseEnv(commonEnv(4000), env);

t.test('NATS_URL: one server, or the nodes of a cluster separated by commas', async (t) => {
  t.same(natsConnectOptions(load({})).servers, ['nats://127.0.0.1:4222']);
  t.same(natsConnectOptions(load({ NATS_URL: 'nats://n1:4222, nats://n2:4222,nats://n3:4222' })).servers, ['nats://n1:4222', 'nats://n2:4222', 'nats://n3:4222']);
  for (const wrong of ['n1:4222', 'nats://n1:4222,', 'nats://n1:4222,n2:4222', 'http://n1:4222']) {
    t.throws(() => load({ NATS_URL: wrong }), /NATS_URL: must start with nats:\/\/ or tls:\/\/ \(several URLs: separated by commas\)/, `${wrong} is refused`);
  }
});

t.test('NATS_STREAM_REPLICAS: 1 by default, 1 to 5, a wrong value named', async (t) => {
  t.equal(load({}).NATS_STREAM_REPLICAS, 1, 'one replica on the embedded single server');
  t.equal(load({ NATS_STREAM_REPLICAS: '3' }).NATS_STREAM_REPLICAS, 3);
  t.equal(load({ NATS_STREAM_REPLICAS: '5' }).NATS_STREAM_REPLICAS, 5);
  for (const wrong of ['0', '6', 'three', '2.5', '-1']) {
    t.throws(() => load({ NATS_STREAM_REPLICAS: wrong }), /NATS_STREAM_REPLICAS: /, `${wrong} is refused, naming the variable`);
  }
});
