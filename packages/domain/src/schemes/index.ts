/**
 * Scheme registry: every jurisdiction's scheme file, read as written when this module loads, and
 * validated with `SchemeFileSchema` by `checkSchemes`, which every service runs at start-up (an
 * invalid file fails there, never in the middle of a claim). Loading it needs no zod: the
 * console's first page reads the schemes in the browser, where zod comes with the forms.
 */
import type { Jurisdiction } from '@cfund/contracts';
import { localDateOf } from '../deadlines.js';
import { DomainError } from '../errors.js';
import { calendarIssues } from '../calendars.js';
import { al } from './al.js';
import { ba } from './ba.js';
import { me } from './me.js';
import { mk } from './mk.js';
import { rs } from './rs.js';
import { SchemeFileSchema, type SchemeFile, type SchemeFileInput } from './schema.js';
import { resolveVersion, type LocalDate, type Scheme } from './scheme.js';
import { xk } from './xk.js';

export * from './schema.js';
export * from './scheme.js';
export { MKD_PER_EUR } from './mk.js';

/** The scheme files as written (before validation), by jurisdiction. */
export const SCHEME_FILES: Readonly<Record<Jurisdiction, SchemeFileInput>> = { RS: rs, BA: ba, ME: me, AL: al, MK: mk, XK: xk };

const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;

export interface SchemeRegistry {
  /** The version in force on `filingDate` (a local date): the latest whose effectiveFrom <= filingDate. */
  schemeFor(jurisdiction: Jurisdiction, filingDate: LocalDate): Scheme;
  /**
   * The version in force at `filedAt` (an instant): the filing date is the local date of that
   * instant in the zone of the version considered.
   */
  schemeAt(jurisdiction: Jurisdiction, filedAt: string): Scheme;
  /** A version by the id a claim recorded (`MK@2023-05-25`). */
  schemeById(id: string): Scheme;
  /** Every version of a jurisdiction, oldest first. */
  versionsOf(jurisdiction: Jurisdiction): readonly Scheme[];
  readonly jurisdictions: readonly Jurisdiction[];
}

/** Validates the files (throws `invalid-scheme` naming the file and the field) and indexes them. */
export function createSchemeRegistry(files: readonly SchemeFileInput[]): SchemeRegistry {
  return indexSchemes(files.map((input) => {
    const parsed = SchemeFileSchema.safeParse(input);
    if (parsed.success) return parsed.data;
    const name = typeof (input as { jurisdiction?: unknown }).jurisdiction === 'string' ? (input as { jurisdiction: string }).jurisdiction : '?';
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new DomainError('invalid-scheme', `The scheme file of ${name} is invalid: ${issues}`, { details: { jurisdiction: name, issues } });
  }));
}

/** Indexes files as written (no zod): valid ones, as `checkSchemes` or `createSchemeRegistry` found them. */
function indexSchemes(files: readonly SchemeFile[]): SchemeRegistry {
  const byJurisdiction = new Map<Jurisdiction, Scheme[]>();
  const byId = new Map<string, Scheme>();
  for (const file of files) {
    if (byJurisdiction.has(file.jurisdiction)) {
      throw new DomainError('invalid-scheme', `Two scheme files for ${file.jurisdiction}.`);
    }
    const versions = file.versions.map((_, i) => resolveVersion(file, i));
    byJurisdiction.set(file.jurisdiction, versions);
    for (const v of versions) byId.set(v.id, v);
  }
  const schemeFor = (jurisdiction: Jurisdiction, filingDate: LocalDate): Scheme => {
    if (!LOCAL_DATE.test(filingDate)) {
      throw new DomainError('invalid-date', `"${filingDate}" is not a calendar date (YYYY-MM-DD).`, { details: { filingDate } });
    }
    const versions = byJurisdiction.get(jurisdiction) ?? [];
    let found: Scheme | undefined;
    for (const v of versions) if (v.effectiveFrom <= filingDate) found = v;
    if (!found) {
      const first = versions[0];
      throw new DomainError(
        'no-scheme-in-force',
        first
          ? `No compensation scheme of ${first.country} was in force on ${filingDate}; the first applies from ${first.effectiveFrom}.`
          : `There is no compensation scheme for ${jurisdiction}.`,
        { details: { jurisdiction, filingDate } },
      );
    }
    return found;
  };
  return {
    jurisdictions: [...byJurisdiction.keys()],
    versionsOf: (jurisdiction) => byJurisdiction.get(jurisdiction) ?? [],
    schemeFor,
    schemeAt: (jurisdiction, filedAt) => {
      const versions = byJurisdiction.get(jurisdiction) ?? [];
      for (let i = versions.length - 1; i >= 0; i--) {
        const v = versions[i] as Scheme;
        if (v.effectiveFrom <= localDateOf(filedAt, v.timeZone)) return v;
      }
      return schemeFor(jurisdiction, localDateOf(filedAt, versions[0]?.timeZone ?? 'UTC'));
    },
    schemeById: (id) => {
      const s = byId.get(id);
      if (!s) throw new DomainError('unknown-scheme', `There is no scheme "${id}".`, { details: { id } });
      return s;
    },
  };
}

/**
 * Checks every version's calendar against the holiday data (throws `invalid-scheme` naming the
 * file and the field, as a malformed file is refused). Services call it at start-up; a calendar
 * is also checked on its first use. Returns the registry.
 */
export function checkSchemeCalendars(registry: SchemeRegistry = schemes): SchemeRegistry {
  for (const jurisdiction of registry.jurisdictions) {
    registry.versionsOf(jurisdiction).forEach((version, index) => {
      const issues = calendarIssues(version.calendar);
      if (issues.length === 0) return;
      const text = issues.map((i) => `versions.${index}.calendar.value.${i.path.join('.')}: ${i.message}`).join('; ');
      throw new DomainError('invalid-scheme', `The scheme file of ${jurisdiction} is invalid: ${text}`, { details: { jurisdiction, issues: text } });
    });
  }
  return registry;
}

/** The registry of the six jurisdictions' scheme files, as written (validated by `checkSchemes`). */
export const schemes: SchemeRegistry = indexSchemes(Object.values(SCHEME_FILES));

/**
 * What every service runs at start-up: the scheme files validated (`createSchemeRegistry`) and
 * their calendars checked against the holiday data (`checkSchemeCalendars`); throws
 * `invalid-scheme` naming the file and the field.
 */
export function checkSchemes(): SchemeRegistry {
  return checkSchemeCalendars(createSchemeRegistry(Object.values(SCHEME_FILES)));
}

/** The version of `jurisdiction`'s scheme in force on `filingDate` (`no-scheme-in-force` if none). */
export function schemeFor(jurisdiction: Jurisdiction, filingDate: LocalDate): Scheme {
  return schemes.schemeFor(jurisdiction, filingDate);
}

/** The version of `jurisdiction`'s scheme in force at the instant `filedAt` (local date in the scheme's zone). */
export function schemeAt(jurisdiction: Jurisdiction, filedAt: string): Scheme {
  return schemes.schemeAt(jurisdiction, filedAt);
}

/** The scheme version a claim recorded, by id (`unknown-scheme` if none). */
export function schemeById(id: string): Scheme {
  return schemes.schemeById(id);
}
