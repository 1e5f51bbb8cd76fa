import { z } from 'zod';
import { EVENT_DEFINITIONS } from './events/index.js';

/** JSON Schema (draft 2020-12) of every event's current version, keyed by file name. */
export function eventJsonSchemas(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const def of EVENT_DEFINITIONS) {
    out[`${def.type}.v${def.version}.json`] = {
      $id: `https://cfund.example/contracts/events/${def.type}.v${def.version}.json`,
      title: `${def.type} v${def.version}`,
      ...z.toJSONSchema(def.data, { io: 'output' }),
    };
  }
  return out;
}
