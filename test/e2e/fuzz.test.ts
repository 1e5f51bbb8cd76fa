/**
 * A fuzz test over every operation of every service's /openapi.json, against the running system
 * (the services as processes, real sockets): a few thousand generated malformed requests (bad
 * JSON, wrong types, huge strings, NUL bytes, lone surrogates, wrong content types, bad path
 * parameters, random headers and query parameters, bodies over the limit), each with the token of
 * a role, a broken token or none. Every request that could change something is spoilt in one way
 * the service must refuse. Asserted: no 5xx, every error is problem+json, and no event was
 * written to the event store. Seeded: FUZZ_SEED=<n> replays a run; the seed is printed.
 */
import t from 'tap';
import type { Role } from '@cfund/contracts';
import { fileBody } from '@cfund/bench-kit';
import { startSystem, SERVICES, type RunningSystem, type ServiceName } from './system.ts';

const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 3000);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CONCURRENCY = 8;

/** mulberry32: a small seeded generator, so that a failing run can be replayed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick, chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof rng>;

interface JsonSchema {
  type?: string | string[]; properties?: Record<string, JsonSchema>; required?: string[]; items?: JsonSchema;
  anyOf?: JsonSchema[]; oneOf?: JsonSchema[]; allOf?: JsonSchema[]; enum?: unknown[]; const?: unknown; format?: string;
  additionalProperties?: boolean | JsonSchema; minimum?: number; maxLength?: number; examples?: unknown[];
}
interface Operation {
  service: ServiceName; method: string; path: string; pathParams: string[]; query: string[]; body?: JsonSchema; open: boolean;
}

const STRINGS = [
  '', ' ', 'a', '\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '\ud83d', '🙂', '<script>alert(1)</script>', '../../etc/passwd', "' OR 1=1 --",
  '"', '\\', '%00', 'null', '1e309', '-1', '2026-13-45', '9'.repeat(40), 'x'.repeat(5_000), 'é'.repeat(3_000), '\r\n\r\nX: y', '${jndi:x}',
];
const PATH_VALUES = [
  'x'.repeat(300), '%00', 'a%00b', '%E0%A4%A', '%ED%A0%80', '%FF', 'not-a-uuid', '00000000-0000-4000-8000-000000000000', '-1', '0', '1.5',
  '99999999999999999999', '%2e%2e%2f%2e%2e', 'RS', 'ZZ', '2026', 'vic-00000000-0000-4000-8000-000000000000', '%F0%9F%99%82', '%20', 'null',
];
const CONTENT_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=utf-16', 'image/png'];
const ROLES: Role[] = ['lawyer', 'fund-assessor', 'fund-approver', 'fund-finance', 'fund-admin', 'auditor', 'dpo', 'monitor'];

function typesOf(s: JsonSchema | undefined): Set<string> | undefined {
  if (!s) return undefined;
  if (s.const !== undefined) return new Set([jsonType(s.const)]);
  if (s.enum) return new Set(s.enum.map(jsonType));
  if (s.type) return new Set((Array.isArray(s.type) ? s.type : [s.type]).flatMap((x) => (x === 'integer' ? ['number'] : [x])));
  const alts = s.anyOf ?? s.oneOf;
  if (alts) {
    const all = alts.map(typesOf);
    if (all.some((x) => x === undefined)) return undefined;
    return new Set(all.flatMap((x) => [...x!]));
  }
  return undefined;
}
const jsonType = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** A value of a JSON type the schema does not allow, if its types are known. */
function wrongTypeFor(r: Rng, s: JsonSchema | undefined): unknown {
  const allowed = typesOf(s);
  if (!allowed) return undefined;
  const candidates: unknown[] = [null, 12345, true, [], {}, 'wrong'].filter((v) => !allowed.has(jsonType(v)));
  return candidates.length > 0 ? r.pick(candidates) : undefined;
}

/** Something close to a valid value (from the schema's examples or its types), to be spoilt. */
function plausible(r: Rng, s: JsonSchema | undefined, depth = 0): unknown {
  if (!s || depth > 6) return r.pick(STRINGS);
  if (s.examples?.length) return structuredClone(s.examples[0]);
  if (s.const !== undefined) return s.const;
  if (s.enum) return r.pick(s.enum);
  const alts = s.anyOf ?? s.oneOf;
  if (alts?.length) return plausible(r, r.pick(alts), depth + 1);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  if (type === 'object' || s.properties) {
    return Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, plausible(r, v, depth + 1)]));
  }
  if (type === 'array') return [plausible(r, s.items, depth + 1)];
  if (type === 'integer' || type === 'number') return r.pick([0, 1, 100, -1, 2026]);
  if (type === 'boolean') return r.chance(0.5);
  return r.pick(['a', 'RS', '2026-01-01', 'x'.repeat(10)]);
}

/** Random noise in a value (never relied on to make a request invalid). */
function noise(r: Rng, v: unknown, depth = 0): unknown {
  if (depth > 4) return v;
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = { ...(v as Record<string, unknown>) };
    const keys = Object.keys(o);
    if (keys.length > 0 && r.chance(0.6)) {
      const k = r.pick(keys);
      o[k] = r.chance(0.5) ? r.pick([...STRINGS, -1, 1e308, 2 ** 53 + 1, 0.5, null, [], {}]) : noise(r, o[k], depth + 1);
    }
    if (r.chance(0.2)) o[r.pick(['__proto__', 'constructor', 'extra', '\u0000', ''])] = r.pick(STRINGS);
    return o;
  }
  if (Array.isArray(v)) return r.chance(0.3) ? Array.from({ length: r.pick([0, 1, 500]) }, () => v[0]) : v.map((x) => noise(r, x, depth + 1));
  return r.chance(0.5) ? r.pick(STRINGS) : v;
}

/**
 * One way of making the body invalid for sure: a required field removed, a field of the wrong
 * type, an unknown field where none is allowed, or the body not a JSON object.
 */
function spoilBody(r: Rng, s: JsonSchema | undefined, body: Record<string, unknown>): { body: unknown; how: string } | undefined {
  const ways: (() => { body: unknown; how: string } | undefined)[] = [
    () => {
      const req = s?.required ?? [];
      if (req.length === 0) return undefined;
      const k = r.pick(req);
      const { [k]: _gone, ...rest } = body;
      return { body: rest, how: `without required ${k}` };
    },
    () => {
      const props = Object.entries(s?.properties ?? {});
      if (props.length === 0) return undefined;
      const [k, ps] = r.pick(props);
      const wrong = wrongTypeFor(r, ps);
      return wrong === undefined ? undefined : { body: { ...body, [k]: wrong }, how: `${k} of a wrong type` };
    },
    () => (s?.additionalProperties === false ? { body: { ...body, ['unknown\u0000field']: 1 }, how: 'an unknown field' } : undefined),
    () => ({ body: r.pick([[], 'text', 42, null, true, [body]]), how: 'not an object' }),
  ];
  for (let i = 0; i < 8; i += 1) {
    const way = r.pick(ways)();
    if (way) return way;
  }
  return { body: [], how: 'not an object' };
}

/** URL-encodes a value; one already %-encoded goes as it is; a lone surrogate (which has no UTF-8) as its CESU bytes. */
function enc(v: string): string {
  if (v.includes('%')) return v;
  try {
    return encodeURIComponent(v);
  } catch {
    return '%ED%A0%80';
  }
}

async function operations(system: RunningSystem): Promise<Operation[]> {
  const ops: Operation[] = [];
  for (const service of SERVICES) {
    const doc = await (await fetch(`${system.url[service]}/openapi.json`)).json() as {
      paths: Record<string, Record<string, { parameters?: { in: string; name: string }[]; requestBody?: { content?: Record<string, { schema?: JsonSchema }> }; security?: unknown[] }>>;
    };
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const params = op.parameters ?? [];
        ops.push({
          service, method: method.toUpperCase(), path,
          pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
          query: params.filter((p) => p.in === 'query').map((p) => p.name),
          ...(op.requestBody?.content?.['application/json']?.schema ? { body: op.requestBody.content['application/json'].schema } : {}),
          open: Array.isArray(op.security) && op.security.length === 0,
        });
      }
    }
  }
  return ops;
}

interface Generated { method: string; url: string; headers: Record<string, string>; body?: string; what: string }

function generate(r: Rng, op: Operation, tokens: Record<string, string>, base: string): Generated {
  const changes = op.method !== 'GET' && op.method !== 'HEAD';
  const headers: Record<string, string> = {};
  const what: string[] = [];
  const auth = r.next();
  const role = r.pick(ROLES);
  if (auth < 0.75) { headers.authorization = `Bearer ${tokens[role]}`; what.push(`as ${role}`); }
  else if (auth < 0.85) { headers.authorization = r.pick(['Bearer x.y.z', 'Basic YTpi', 'Bearer', `Bearer ${'a'.repeat(4000)}`]); what.push('broken token'); }
  else what.push('no token');

  let path = op.path;
  for (const name of op.pathParams) {
    const v = r.chance(0.5) ? r.pick(PATH_VALUES) : enc(String(r.pick(['00000000-0000-4000-8000-000000000000', 'RS', '2026', '1'])));
    path = path.replace(`{${name}}`, v);
  }
  const query: string[] = [];
  for (const name of op.query) if (r.chance(0.4)) query.push(`${name}=${enc(String(r.pick([...STRINGS, ...PATH_VALUES])))}`);
  if (r.chance(0.2)) query.push(`${enc(r.pick(STRINGS)) || 'x'}=${enc(r.pick(STRINGS))}`);
  if (r.chance(0.1)) query.push(query.length > 0 ? query[0]! : 'a=1');
  const url = `${base}${path}${query.length ? `?${query.join('&')}` : ''}`;

  const headerNoise: [string, () => string][] = [
    ['if-match', () => r.pick(['"1"', 'W/"x"', '*', '"99999999999999999999"', 'garbage', ''])],
    ['idempotency-key', () => r.pick(['k', 'x'.repeat(300), ' ', 'ü'])],
    ['accept', () => r.pick(['application/xml', '*/*', 'text/html', ''])],
    ['x-request-id', () => r.pick(['x'.repeat(3000), '\u00ff\u00fe', ''])],
    ['x-forwarded-for', () => '1.2.3.4, ::1'],
    ['accept-language', () => 'x'.repeat(2000)],
  ];
  for (const [name, value] of headerNoise) if (r.chance(0.12)) headers[name] = value();

  let body: string | undefined;
  let poisoned = !changes || !headers.authorization?.startsWith('Bearer ey');
  const bodyKind = r.next();
  if (changes || r.chance(0.1)) {
    if (bodyKind < 0.15) {
      headers['content-type'] = r.pick(CONTENT_TYPES);
      body = r.pick(['name=x', '{"a":1}', '<a/>', 'x'.repeat(100)]);
      what.push(`content-type ${headers['content-type']}`);
      poisoned = true;
    } else if (bodyKind < 0.3) {
      headers['content-type'] = 'application/json';
      body = r.pick(['{', '{"a":', '{"a":1,}', "{'a':1}", '\u0000', '{"a":"\\ud800"', '['.repeat(5000), '{"a":1}{"b":2}', 'NaN']);
      what.push(`malformed JSON ${JSON.stringify(body.slice(0, 20))}`);
      poisoned = true;
    } else if (bodyKind < 0.38) {
      headers['content-type'] = 'application/json';
      // Over every service's limit (the projection's is Fastify's 1 MiB).
      body = JSON.stringify({ big: 'x'.repeat(1_100_000) });
      what.push('a body over the limit');
      poisoned = true;
    } else {
      headers['content-type'] = 'application/json';
      const base = noise(r, plausible(r, op.body)) as Record<string, unknown>;
      const spoilt = op.body && base && typeof base === 'object' && !Array.isArray(base)
        ? spoilBody(r, op.body, base)
        : { body: r.pick([[], 'text', 42, null]), how: 'not an object' };
      body = JSON.stringify(spoilt!.body);
      what.push(`body ${spoilt!.how}`);
      // Where no body is expected any JSON is accepted: only a schema's refusal counts.
      poisoned ||= op.body !== undefined;
    }
  }
  if (!poisoned) {
    // Nothing above is sure to be refused: send it without credentials.
    delete headers.authorization;
    what.push('(credentials dropped: nothing else is sure to be refused)');
  }
  return { method: op.method, url, headers, ...(body === undefined ? {} : { body }), what: what.join(', ') };
}

async function lastPosition(system: RunningSystem): Promise<{ commit: bigint; prepare: bigint } | 'start'> {
  let last: { commit: bigint; prepare: bigint } | 'start' = 'start';
  // Read to the end (no early return): a read left open would keep the client from closing.
  for await (const e of system.env.eventStore.readAll({ direction: 'backwards', fromPosition: 'end', maxCount: 1 })) {
    if (e.event?.position) last = e.event.position;
  }
  return last;
}

t.test('malformed requests to every operation: no 5xx, problem+json, nothing written', async (t) => {
  const system = await startSystem(t, { logLevel: 'warn' });
  if ('skipped' in system) return t.plan(0, system.skipped);
  t.comment(`FUZZ_SEED=${SEED} (replay with FUZZ_SEED=${SEED})`);
  const r = rng(SEED);
  const tokens: Record<string, string> = {};
  for (const role of ROLES) tokens[role] = await system.token(`fuzz-${role}`, role, ['RS']);
  const ops = await operations(system);
  t.ok(ops.length >= 30, `${ops.length} operations found in the three OpenAPI documents`);
  for (const s of SERVICES) t.ok(ops.some((o) => o.service === s && o.method === 'POST' || o.service === s), `${s} has operations`);

  const before = await lastPosition(system);
  const failures: string[] = [];
  const statuses = new Map<number, number>();
  let sent = 0;
  let unsendable = 0;
  let resent = 0;
  const queue = Array.from({ length: REQUESTS }, (_, i) => {
    const op = ops[i % ops.length]!;
    return generate(r, op, tokens, system.url[op.service]);
  });
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    for (let g = queue.shift(); g; g = queue.shift()) {
      let res: Response;
      const send = () => fetch(g.url, { method: g.method, headers: g.headers, ...(g.body === undefined ? {} : { body: g.body }), redirect: 'manual' });
      try {
        try {
          res = await send();
        } catch (error) {
          // A kept-alive connection the server closed (its keep-alive timeout) just as the client
          // reused it: what any HTTP client sends again. A server that died answers no retry either.
          if (!/other side closed|ECONNRESET/.test(String((error as { cause?: unknown }).cause)) || g.what.includes('over the limit')) throw error;
          resent += 1;
          res = await send();
        }
      } catch (error) {
        // The client refused to send it (a header it will not encode): not the server's fault.
        if (error instanceof TypeError && !/fetch failed/.test(error.message)) { unsendable += 1; continue; }
        // A body over the limit is refused (413) before it is read, and the connection closed while the client still writes.
        const cause = String((error as { cause?: unknown }).cause);
        if (g.what.includes('over the limit') && /EPIPE|ECONNRESET/.test(cause)) { sent += 1; continue; }
        failures.push(`${g.method} ${g.url.slice(0, 150)} (${g.what}): no answer: ${(error as Error).message} ${String((error as { cause?: unknown }).cause)}`);
        continue;
      }
      sent += 1;
      const text = await res.text();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const describe = `${g.method} ${g.url.slice(0, 150)} (${g.what}) -> ${res.status}`;
      if (res.status >= 500 && res.status !== 503) failures.push(`${describe}: ${text.slice(0, 200)}`);
      if (res.status === 503 && !/shutting-down|event-store-unavailable|rebuild/.test(text)) failures.push(`${describe}: an unexplained 503: ${text.slice(0, 200)}`);
      if (res.status >= 400) {
        if (!/^application\/problem\+json/.test(res.headers.get('content-type') ?? '')) failures.push(`${describe}: not problem+json: ${res.headers.get('content-type')} ${text.slice(0, 120)}`);
        else if ((JSON.parse(text) as { status?: number }).status !== res.status) failures.push(`${describe}: the problem's status differs`);
      } else if (g.method !== 'GET') {
        failures.push(`${describe}: a spoilt request was accepted`);
      }
    }
  }));
  t.comment(`sent ${sent} (${unsendable} refused by the client, ${resent} sent again on a connection the server had closed), statuses: ${[...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ')}`);
  t.ok(sent >= REQUESTS * 0.9, 'nearly every request was sent');
  t.same(failures.slice(0, 20), [], `no 5xx, every error problem+json, no spoilt request accepted (FUZZ_SEED=${SEED}; ${failures.length} failures)`);

  const written: string[] = [];
  for await (const e of system.env.eventStore.readAll({ direction: 'forwards', fromPosition: before, maxCount: 1000 })) {
    const after = before === 'start' || (e.event?.position !== undefined && e.event.position.commit > before.commit);
    if (e.event && after && !e.event.type.startsWith('$')) written.push(`${e.event.streamId}: ${e.event.type}`);
  }
  t.same(written, [], `no event written to the event store (FUZZ_SEED=${SEED})`);

  // The check sees a write when there is one: a valid claim filed now is found after the same position.
  const filed = await fetch(`${system.url.command}/claims`, {
    method: 'POST', headers: { authorization: `Bearer ${tokens.lawyer}`, 'content-type': 'application/json' }, body: JSON.stringify(fileBody(1)),
  });
  t.equal(filed.status, 201, 'a valid command is accepted');
  const seen: string[] = [];
  for await (const e of system.env.eventStore.readAll({ direction: 'forwards', fromPosition: before, maxCount: 1000 })) {
    if (e.event?.type === 'ClaimFiled') seen.push(e.event.streamId);
  }
  t.equal(seen.length, 1, 'and its event is found after the position taken before the fuzzing');
});
