/**
 * Who a notification is for: one user (by token `sub`), or everyone holding a role in a
 * jurisdiction (fund staff, the dpo). Keys are stable strings used in the store and in ids.
 */
import { JURISDICTIONS, ROLES, type Jurisdiction, type Role } from '@cfund/contracts';

export type Recipient =
  | { kind: 'user'; userId: string }
  | { kind: 'role'; role: Role; jurisdiction: Jurisdiction };

export const userRecipient = (userId: string): Recipient => ({ kind: 'user', userId });
export const roleRecipient = (role: Role, jurisdiction: Jurisdiction): Recipient => ({ kind: 'role', role, jurisdiction });

/** `user:<sub>` or `role:<role>:<jurisdiction>`. */
export function recipientKey(r: Recipient): string {
  return r.kind === 'user' ? `user:${r.userId}` : `role:${r.role}:${r.jurisdiction}`;
}

export function parseRecipientKey(key: string): Recipient {
  if (key.startsWith('user:')) return userRecipient(key.slice('user:'.length));
  const [prefix, role, jurisdiction] = key.split(':');
  if (prefix === 'role' && (ROLES as readonly string[]).includes(role ?? '') && (JURISDICTIONS as readonly string[]).includes(jurisdiction ?? '')) {
    return roleRecipient(role as Role, jurisdiction as Jurisdiction);
  }
  throw new Error(`not a recipient key: ${key}`);
}

/** The recipient keys whose notifications a caller sees: their own, and each role they hold in each of their jurisdictions. */
export function keysOf(principal: { sub: string; roles: readonly Role[]; jurisdictions: readonly Jurisdiction[] }): string[] {
  const keys = [recipientKey(userRecipient(principal.sub))];
  for (const role of principal.roles) for (const j of principal.jurisdictions) keys.push(recipientKey(roleRecipient(role, j)));
  return keys;
}
