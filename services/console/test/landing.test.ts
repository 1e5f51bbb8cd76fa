/**
 * Where each demo user lands and whether the inbox and the monitoring page are offered: a monitor
 * (aggregates only) lands on monitoring and is never offered the inbox, which the notification
 * service refuses it; everyone else keeps the inbox.
 */
import t from 'tap';
import { DEMO_USERS } from '@cfund/contracts';
import { mayMonitor, mayOnlyMonitor, mayReadInbox } from '../web/src/components/may.ts';
import { landingPage } from '../src/routes.ts';

t.test('each demo user: landing page, inbox and monitoring', async (t) => {
  const offered = Object.fromEntries(DEMO_USERS.map((u) => [u.sub, [landingPage(u), mayReadInbox(u), mayMonitor(u)]]));
  const monitors = DEMO_USERS.filter((u) => u.roles.every((r) => r === 'monitor'));
  t.ok(monitors.length > 0, 'the demo users include a monitor');
  for (const u of DEMO_USERS) {
    const onlyMonitors = monitors.includes(u);
    t.equal(mayOnlyMonitor(u), onlyMonitors, `${u.sub}: sees aggregates only`);
    t.same(offered[u.sub]![0] === '/monitoring', onlyMonitors, `${u.sub}: lands on monitoring exactly when a monitor`);
    t.equal(offered[u.sub]![1], !onlyMonitors, `${u.sub}: the inbox unless a monitor`);
    t.equal(offered[u.sub]![2], onlyMonitors || u.roles.includes('auditor'), `${u.sub}: monitoring for monitors and auditors`);
  }
});

t.test('a token with a monitor role and another role keeps what the other grants', async (t) => {
  const both = { sub: 'x', name: 'x', roles: ['monitor', 'lawyer'], jurisdictions: ['RS'] };
  t.notOk(mayOnlyMonitor(both));
  t.ok(mayReadInbox(both));
  t.equal(landingPage(both), '/claims');
});
