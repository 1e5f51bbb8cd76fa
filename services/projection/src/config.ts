/** Configuration from environment variables, validated by zod (a wrong one names itself: ConfigError). */
import { z } from 'zod';
import { messagingSettings } from '@cfund/messaging';
import { commonEnv, documentEnv, keyStoreEnv, parseEnv } from '@cfund/service-kit';
import { PROJECTION_DURABLE } from './consumer.js';
import { DEFAULT_SUPPRESSION_THRESHOLD } from './monitoring/disclosure.js';

export { ConfigError } from '@cfund/service-kit';

const EnvShape = {
  ...commonEnv(4002),
  ...documentEnv(),
  ...keyStoreEnv(),
  /**
   * The durable NATS consumer. Each instance keeps a read model of its own and needs a consumer
   * of its own (e.g. its pod's name): two instances on one durable would each get part of the events.
   */
  PROJECTION_DURABLE: z.string().trim().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be letters, digits, - and _ (at most 64)').default(PROJECTION_DURABLE),
  /** Deliveries of one event before it goes to the dead-letter subject. */
  PROJECTION_MAX_DELIVER: z.coerce.number().int().min(1).max(100).optional(),
  /** Ack wait of the consumer (default: messaging's setting): events in hand when a NATS node dies come back after it. */
  PROJECTION_ACK_WAIT_MS: z.coerce.number().int().min(1000).max(600_000).optional(),
  /** /ready fails when events are pending and none was applied for this long (ms). */
  CONSUMER_STALL_MS: z.coerce.number().int().min(1000).max(24 * 3_600_000).default(messagingSettings.consumer.stallAfterMs),
  /** Published monitoring figures over fewer victims than this are withheld (at least 3: below that a count names too few people). */
  MONITORING_SUPPRESSION_THRESHOLD: z.coerce.number().int().min(3).max(100).default(DEFAULT_SUPPRESSION_THRESHOLD),
  /** Serves the published monitoring dataset and catalogue without a token under /open-data/ (off: only to monitors and auditors). */
  MONITORING_OPEN_DATA: z.stringbool().default(false),
};

/** Every variable the configuration reads (deployment files are checked against it). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(EnvShape);

export type Config = ReturnType<typeof loadConfig>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  return parseEnv(EnvShape, env);
}
