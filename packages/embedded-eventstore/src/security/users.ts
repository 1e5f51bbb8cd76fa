import { createHash, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { StreamDeleted, StreamNotFound, UserConflict, UserNotFound } from '../errors.js';
import type { EventStore } from '../store.js';
import { ROLE_ADMINS, ROLE_OPS, type Principal } from './acl.js';

/**
 * The node's users, kept as KurrentDB keeps them (UserManagementService.cs, UserData.cs): the
 * latest event of `$user-<login>` holds a user's details and password hash, `$users` lists the
 * logins ever created. On first start `admin` (group `$admins`) and `ops` (group `$ops`) are
 * created with the configured passwords (`changeit` unless set: DefaultAdminPassword /
 * DefaultOpsPassword in ClusterVNodeOptions.cs); after that the passwords are the streams'.
 */
export interface UserPasswords {
  admin?: string;
  ops?: string;
}

export const DEFAULT_PASSWORD = 'changeit';

/** A user's details as `$user-<login>` stores them (UserData.cs, serialised camel-case). */
export interface UserData {
  loginName: string;
  fullName: string;
  groups: string[];
  hash: string;
  salt: string;
  disabled: boolean;
}

/** What the Users API reports (UserManagementMessage.UserData): no hash, no salt. */
export interface UserDetails {
  loginName: string;
  fullName: string;
  groups: string[];
  disabled: boolean;
  /** When the latest `$user-<login>` event was written, in .NET ticks since the Unix epoch. */
  lastUpdatedTicks: bigint;
}

/** What an `authorization` header proves (AuthenticationMiddleware.cs, BasicHttpAuthenticationProvider.cs). */
export type Authentication =
  | { kind: 'user'; principal: Principal }
  /** No credentials: the anonymous principal, which may do nothing with streams. */
  | { kind: 'anonymous' }
  /** Credentials wrong, unreadable, or of a disabled user: the call is refused as Unauthenticated. */
  | { kind: 'unauthenticated' };

export const USERS_STREAM = '$users';
export const userStream = (login: string): string => `$user-${login}`;
const USER_CREATED = '$UserCreated';
const USER_UPDATED = '$UserUpdated';
/** The type of a `$users` entry, whose data is the login (AllUsersReader.cs). */
const USERS_ENTRY = '$User';

/** Rfc2898PasswordHashAlgorithm.cs: PBKDF2-HMAC-SHA1, 1000 iterations, 16-byte salt, 20-byte hash. */
function hashPassword(password: string, salt = randomBytes(16)): { hash: string; salt: string } {
  return { hash: pbkdf2Sync(password, salt, 1000, 20, 'sha1').toString('base64'), salt: salt.toString('base64') };
}
function verifyPassword(password: string, data: Pick<UserData, 'hash' | 'salt'>): boolean {
  const given = Buffer.from(hashPassword(password, Buffer.from(data.salt, 'base64')).hash, 'base64');
  const stored = Buffer.from(data.hash, 'base64');
  return given.length === stored.length && timingSafeEqual(given, stored);
}
const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

interface Cached {
  /** The `$user-<login>` event this was read from: a newer one invalidates the entry. */
  index: number;
  data: UserData;
  /** Digest of the last password that verified, so a call does not cost a PBKDF2 each time. */
  verified?: Buffer;
}

const none = (): Uint8Array => Buffer.alloc(0);

export class Users {
  private readonly cache = new Map<string, Cached>();

  constructor(private readonly store: EventStore) {}

  /** Creates `admin` and `ops` unless they exist (UserManagementService.Handle(BecomeLeader)). */
  async ensureDefaultUsers(passwords: UserPasswords = {}): Promise<void> {
    const defaults: [string, string, string, string | undefined][] = [
      ['admin', 'KurrentDB Administrator', ROLE_ADMINS, passwords.admin],
      ['ops', 'KurrentDB Operations', ROLE_OPS, passwords.ops],
    ];
    for (const [login, fullName, group, password] of defaults) {
      if (!this.read(login)) await this.create(login, fullName, [group], password ?? DEFAULT_PASSWORD);
    }
  }

  /** Reads `Basic <base64 user:password>` (or the same as `Bearer`, as the server accepts). */
  authenticate(header: string | undefined): Authentication {
    if (header === undefined) return { kind: 'anonymous' };
    const match = /^(Basic|Bearer) +(\S+)$/.exec(header.trim());
    if (!match) return { kind: 'unauthenticated' };
    const decoded = Buffer.from(match[2]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { kind: 'unauthenticated' };
    const login = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const cached = this.read(login);
    // A disabled account is refused like a wrong password (InternalAuthenticationProvider.cs).
    if (!cached || cached.data.disabled) return { kind: 'unauthenticated' };
    const digest = sha256(password);
    if (!(cached.verified && timingSafeEqual(cached.verified, digest))) {
      if (!verifyPassword(password, cached.data)) return { kind: 'unauthenticated' };
      cached.verified = digest;
    }
    // CreatePrincipal: the login as the name, each group as a role.
    return { kind: 'user', principal: { name: login, roles: [...cached.data.groups] } };
  }

  details(login: string): UserDetails {
    const cached = this.read(login);
    if (!cached) throw new UserNotFound(login);
    const { hash: _h, salt: _s, ...data } = cached.data;
    return { ...data, groups: [...data.groups], lastUpdatedTicks: this.store.eventAt(cached.index).created };
  }

  /** Every user that exists, by login (AllUsersReader.cs; deleted users are left out). */
  all(): UserDetails[] {
    const s = this.store.stream(USERS_STREAM);
    const logins = new Set((s?.events ?? []).map((i) => Buffer.from(this.store.eventAt(i).data).toString('utf8')));
    return [...logins].sort().filter((login) => this.read(login)).map((login) => this.details(login));
  }

  /**
   * UserManagementService.Handle(Create): a login that exists with this password is a success
   * (a retry), with another password a conflict. A deleted login can be created again.
   */
  async create(login: string, fullName: string, groups: string[], password: string): Promise<void> {
    const existing = this.read(login);
    if (existing) {
      if (verifyPassword(password, existing.data)) return;
      throw new UserConflict(login);
    }
    // The stream's ACL first, as the server writes it: only admins write, delete or change it.
    const acl = { $acl: { $w: ROLE_ADMINS, $d: ROLE_ADMINS, $mw: ROLE_ADMINS } };
    await this.store.append(`$$${userStream(login)}`, { kind: 'any' }, [json('$metadata', acl)]);
    const data: UserData = { loginName: login, fullName, groups: [...groups], ...hashPassword(password), disabled: false };
    await this.store.append(userStream(login), { kind: 'any' }, [json(USER_CREATED, data)]);
    await this.store.append(USERS_STREAM, { kind: 'any' }, [{ id: crypto.randomUUID(), type: USERS_ENTRY, isJson: false, data: Buffer.from(login, 'utf8'), metadata: none() }]);
  }

  update(login: string, fullName: string, groups: string[]): Promise<void> {
    return this.change(login, (d) => ({ ...d, fullName, groups: [...groups] }));
  }

  enable(login: string): Promise<void> {
    return this.change(login, (d) => ({ ...d, disabled: false }));
  }

  disable(login: string): Promise<void> {
    return this.change(login, (d) => ({ ...d, disabled: true }));
  }

  resetPassword(login: string, newPassword: string): Promise<void> {
    return this.change(login, (d) => ({ ...d, ...hashPassword(newPassword) }));
  }

  /** Anyone who knows the current password may change it; a wrong one is AccessDenied (Unauthorized). */
  changePassword(login: string, currentPassword: string, newPassword: string, onWrongPassword: () => Error): Promise<void> {
    return this.change(login, (d) => {
      if (!verifyPassword(currentPassword, d)) throw onWrongPassword();
      return { ...d, ...hashPassword(newPassword) };
    });
  }

  /** A soft delete of `$user-<login>` (UserManagementService.Handle(Delete)). */
  async delete(login: string): Promise<void> {
    const cached = this.read(login);
    if (!cached) throw new UserNotFound(login);
    await this.store.delete(userStream(login), { kind: 'revision', revision: this.store.eventAt(cached.index).revision });
    this.cache.delete(login);
  }

  /** Writes `$UserUpdated` expecting the revision read, so concurrent changes conflict. */
  private async change(login: string, update: (data: UserData) => UserData): Promise<void> {
    const cached = this.read(login);
    if (!cached) throw new UserNotFound(login);
    const revision = this.store.eventAt(cached.index).revision;
    const updated = update(cached.data);
    try {
      await this.store.append(userStream(login), { kind: 'revision', revision }, [json(USER_UPDATED, updated)]);
    } catch (error) {
      throw error instanceof StreamDeleted ? new UserConflict(login) : error;
    }
  }

  /** The user's latest details, or undefined if it never existed or was deleted. */
  private read(login: string): Cached | undefined {
    let s;
    try {
      s = this.store.readableStream(userStream(login));
    } catch (error) {
      if (error instanceof StreamNotFound || error instanceof StreamDeleted) return undefined;
      throw error;
    }
    const index = s.events[s.events.length - 1]!;
    if (s.events.length - 1 < this.store.firstVisibleRevision(s)) return undefined;
    const cached = this.cache.get(login);
    if (cached?.index === index) return cached;
    const fresh: Cached = { index, data: parseUserData(this.store.eventAt(index).data, login) };
    this.cache.set(login, fresh);
    return fresh;
  }
}

function json(type: string, data: unknown) {
  return { id: crypto.randomUUID(), type, isJson: true, data: Buffer.from(JSON.stringify(data), 'utf8'), metadata: none() };
}

/** An unreadable user event is a user nobody can log in as, never a crash of the node. */
function parseUserData(bytes: Uint8Array, login: string): UserData {
  try {
    const raw = JSON.parse(Buffer.from(bytes).toString('utf8')) as Partial<UserData>;
    return {
      loginName: login,
      fullName: typeof raw.fullName === 'string' ? raw.fullName : '',
      groups: Array.isArray(raw.groups) ? raw.groups.filter((g): g is string => typeof g === 'string') : [],
      hash: typeof raw.hash === 'string' ? raw.hash : '',
      salt: typeof raw.salt === 'string' ? raw.salt : '',
      disabled: raw.disabled !== false,
    };
  } catch {
    return { loginName: login, fullName: '', groups: [], hash: '', salt: '', disabled: true };
  }
}
