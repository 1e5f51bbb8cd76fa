import t from 'tap';
import { ConfigError, loadLocalConfig } from '../src/config.js';

const root = '/repo';

t.test('defaults', async (t) => {
  t.same(loadLocalConfig({}, root), {
    host: '127.0.0.1',
    esdbPort: 2113,
    natsPort: 4222,
    servicePorts: { COMMAND_PORT: 4001, PROJECTION_PORT: 4002, NOTIFICATION_PORT: 4003, CONSOLE_PORT: 4000 },
    dataDir: '/repo/.data',
    servicesDir: '/repo/services',
  });
});

t.test('overrides, relative and absolute paths', async (t) => {
  const config = loadLocalConfig(
    { ESDB_PORT: '0', NATS_PORT: '14222', COMMAND_PORT: '5001', HOST: 'localhost', DATA_DIR: 'var/data', SERVICES_DIR: '/srv/services' },
    root,
  );
  t.equal(config.esdbPort, 0, 'ESDB_PORT=0 picks a free port');
  t.equal(config.natsPort, 14222);
  t.equal(config.servicePorts.COMMAND_PORT, 5001);
  t.equal(config.host, 'localhost');
  t.equal(config.dataDir, '/repo/var/data', 'relative DATA_DIR is resolved against the repository root');
  t.equal(config.servicesDir, '/srv/services');
});

t.test('every invalid variable is named in one error', async (t) => {
  const error = t.throws(() => loadLocalConfig({ ESDB_PORT: 'abc', COMMAND_PORT: '0', NATS_PORT: '70000', HOST: 'bad host!' }, root));
  t.type(error, ConfigError);
  const { problems } = error as ConfigError;
  t.equal(problems.length, 4);
  t.match(problems.join('\n'), /ESDB_PORT="abc": expected a TCP port 0-65535 \(0 picks a free port\)/);
  t.match(problems.join('\n'), /COMMAND_PORT="0": expected a TCP port 1-65535/, 'services need a fixed port');
  t.match(problems.join('\n'), /NATS_PORT="70000"/);
  t.match(problems.join('\n'), /HOST="bad host!"/);
});

t.test('two servers on one port', async (t) => {
  const error = t.throws(() => loadLocalConfig({ NATS_PORT: '4001' }, root)) as ConfigError;
  t.match(error.message, /COMMAND_PORT and NATS_PORT are both 4001/);
});
