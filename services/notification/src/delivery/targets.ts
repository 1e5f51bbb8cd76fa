/**
 * Where a webhook may point. A webhook makes this service send requests to a URL a user chose;
 * without a check, a user could aim it at the service's own network (the event store, NATS, a
 * cloud metadata address) and learn from the failures what answers there. So by default a
 * webhook's host must resolve only to public addresses, checked when it is registered and again
 * before every delivery (the name may resolve elsewhere later). `WEBHOOK_ALLOW_PRIVATE_NETWORKS`
 * lifts the rule, for a receiver on the same machine or network (development, tests, an
 * internal case system).
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';

export type Lookup = (hostname: string) => Promise<{ address: string }[]>;

const defaultLookup: Lookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

function ipv4Private(ip: string): boolean {
  const [a, b] = ip.split('.').map(Number) as [number, number, number, number];
  return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31)
    || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || (a === 192 && b === 0) || (a === 198 && (b === 18 || b === 19))
    || a >= 224;
}

/** Loopback, private, link-local, carrier-grade NAT, multicast, reserved, and their IPv6 forms. */
export function isPrivateAddress(ip: string): boolean {
  if (isIP(ip) === 4) return ipv4Private(ip);
  const v6 = ip.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v6);
  if (mapped) return ipv4Private(mapped[1]!);
  return v6 === '::' || v6 === '::1' || /^f[cd]/.test(v6) || /^fe[89ab]/.test(v6) || v6.startsWith('ff') || v6.startsWith('64:ff9b:');
}

/** Why `url` may not receive webhooks, or undefined when it may. */
export async function webhookTargetRefusal(url: string, options: { allowPrivate: boolean; lookup?: Lookup }): Promise<string | undefined> {
  if (options.allowPrivate) return undefined;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(host)) {
    addresses = [host];
  } else {
    try {
      addresses = (await (options.lookup ?? defaultLookup)(host)).map((a) => a.address);
    } catch {
      return `the host ${host} cannot be resolved`;
    }
  }
  const inside = addresses.find(isPrivateAddress);
  if (addresses.length === 0) return `the host ${host} cannot be resolved`;
  return inside ? `the host ${host} is on a private or local network (${inside}); set WEBHOOK_ALLOW_PRIVATE_NETWORKS=true to allow it` : undefined;
}
