import t from 'tap';
import {
  STREAM_CATEGORIES, accessStream, claimIdOfStream, claimStream, fundStream, notificationSettingsStream, notificationStream, streamCategory, streamIdOf, webhookStream,
} from '@cfund/contracts';

const claimId = '0f8fad5b-d9cb-469f-a165-70867728950e';

t.test('every stream is <category>-<id>, and reads back to its category and id', async (t) => {
  t.equal(claimStream(claimId), `claim-${claimId}`);
  t.equal(fundStream('XK', 2026), 'fund-XK-2026');
  t.equal(accessStream(claimId), `access-${claimId}`);
  t.equal(notificationStream('n-1'), 'notification-n-1');
  t.equal(webhookStream('w-1'), 'webhook-w-1');
  for (const [stream, category] of [
    [claimStream(claimId), STREAM_CATEGORIES.claim], [fundStream('RS', 2027), STREAM_CATEGORIES.fund], [accessStream(claimId), STREAM_CATEGORIES.access],
    [notificationStream('n'), STREAM_CATEGORIES.notification], [webhookStream('w'), STREAM_CATEGORIES.webhook],
    [notificationSettingsStream('lawyer-1'), STREAM_CATEGORIES.notificationSettings],
  ] as const) t.equal(streamCategory(stream), category, `${stream} is of ${category}`);
  t.equal(streamIdOf(fundStream('RS', 2027)), 'RS-2027', 'the id is everything after the first dash');
  t.equal(streamCategory('$all'), '$all', 'a name without a dash is its own category');
  t.equal(streamIdOf('$all'), '');
});

t.test('claimIdOfStream: the claim of a claim stream, nothing for any other', async (t) => {
  t.equal(claimIdOfStream(claimStream(claimId)), claimId);
  t.equal(claimIdOfStream(accessStream(claimId)), undefined, 'an access log is not the claim');
  t.equal(claimIdOfStream(fundStream('RS', 2026)), undefined);
  t.equal(claimIdOfStream('claims'), undefined, 'a category must match whole');
});
