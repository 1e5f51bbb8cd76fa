/** Configuration from environment variables, validated by zod (a wrong one names itself: ConfigError). */
import { z } from 'zod';
import { commonEnv, parseEnv } from '@cfund/service-kit';

export { ConfigError } from '@cfund/service-kit';

const EnvShape = {
  ...commonEnv(4002),
  /** Deliveries of one event before it goes to the dead-letter subject. */
  PROJECTION_MAX_DELIVER: z.coerce.number().int().min(1).max(100).optional(),
};

export type Config = ReturnType<typeof loadConfig>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  return parseEnv(EnvShape, env);
}
