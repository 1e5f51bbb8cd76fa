/**
 * Where email goes and in which language: a JSON file (NOTIFICATION_DIRECTORY) mapping users
 * (token `sub`) and roles in a jurisdiction to addresses and a locale. Only staff and lawyers
 * are listed here; a victim's address is never used (the service never reads personal data).
 *
 * ```json
 * { "users": { "lawyer-1": { "email": "lawyer1@example.org", "locale": "sr-Latn" } },
 *   "roles": { "fund-assessor:RS": { "email": ["assessors.rs@fund.example"] } } }
 * ```
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const EntrySchema = z.object({
  email: z.union([z.email(), z.array(z.email()).min(1)]).optional(),
  locale: z.string().min(2).max(35).optional(),
}).strict();
const DirectorySchema = z.object({
  users: z.record(z.string().min(1), EntrySchema).default({}),
  roles: z.record(z.string().regex(/^[a-z-]+:[A-Z]{2}$/, 'role:JURISDICTION'), EntrySchema).default({}),
}).strict();
export type DirectoryFile = z.input<typeof DirectorySchema>;

export class Directory {
  private readonly entries = new Map<string, z.infer<typeof EntrySchema>>();

  constructor(file: DirectoryFile = {}) {
    const parsed = DirectorySchema.parse(file);
    for (const [sub, e] of Object.entries(parsed.users)) this.entries.set(`user:${sub}`, e);
    for (const [role, e] of Object.entries(parsed.roles)) this.entries.set(`role:${role}`, e);
  }

  static fromFile(path: string | undefined): Directory {
    if (!path) return new Directory();
    const parsed = DirectorySchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    if (!parsed.success) throw new Error(`directory ${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return new Directory(parsed.data);
  }

  /** Addresses of a recipient key (`user:<sub>`, `role:<role>:<jurisdiction>`); empty when none. */
  emails(recipientKey: string): string[] {
    const e = this.entries.get(recipientKey)?.email;
    return e === undefined ? [] : Array.isArray(e) ? e : [e];
  }

  locale(recipientKey: string): string | undefined {
    return this.entries.get(recipientKey)?.locale;
  }
}
