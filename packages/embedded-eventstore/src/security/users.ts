import { createHash, timingSafeEqual } from 'node:crypto';
import { ROLE_ADMINS, ROLE_OPS, type Principal } from './acl.js';

/**
 * The node's users: `admin` (group `$admins`) and `ops` (group `$ops`), both with password
 * `changeit` unless configured, as KurrentDB creates them (UserManagementService.cs,
 * DefaultAdminPassword / DefaultOpsPassword in ClusterVNodeOptions.cs).
 */
export interface UserPasswords {
  admin?: string;
  ops?: string;
}

export const DEFAULT_PASSWORD = 'changeit';

/** What an `authorization` header proves (AuthenticationMiddleware.cs, BasicHttpAuthenticationProvider.cs). */
export type Authentication =
  | { kind: 'user'; principal: Principal }
  /** No credentials: the anonymous principal, which may do nothing with streams. */
  | { kind: 'anonymous' }
  /** Credentials given but wrong or unreadable: the call is refused as Unauthenticated. */
  | { kind: 'unauthenticated' };

interface Account { digest: Buffer; principal: Principal }

const digest = (password: string): Buffer => createHash('sha256').update(password, 'utf8').digest();

export class Users {
  private readonly accounts = new Map<string, Account>();

  constructor(passwords: UserPasswords = {}) {
    this.accounts.set('admin', { digest: digest(passwords.admin ?? DEFAULT_PASSWORD), principal: { name: 'admin', roles: [ROLE_ADMINS] } });
    this.accounts.set('ops', { digest: digest(passwords.ops ?? DEFAULT_PASSWORD), principal: { name: 'ops', roles: [ROLE_OPS] } });
  }

  /** Reads `Basic <base64 user:password>` (or the same as `Bearer`, as the server accepts). */
  authenticate(header: string | undefined): Authentication {
    if (header === undefined) return { kind: 'anonymous' };
    const match = /^(Basic|Bearer) +(\S+)$/.exec(header.trim());
    if (!match) return { kind: 'unauthenticated' };
    const decoded = Buffer.from(match[2]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { kind: 'unauthenticated' };
    const account = this.accounts.get(decoded.slice(0, colon));
    // Compare digests in constant time, and spend the same time on an unknown user.
    const given = digest(decoded.slice(colon + 1));
    const ok = timingSafeEqual(given, account?.digest ?? digest('\u0000unknown')) && account !== undefined;
    return ok ? { kind: 'user', principal: account.principal } : { kind: 'unauthenticated' };
  }
}
