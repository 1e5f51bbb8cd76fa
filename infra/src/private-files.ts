// Everything under DATA_DIR is the victims' data or what protects it (event store, JetStream
// store, SQLite files, secrets, keys, logs): readable by the user that runs the system only.
import { chmodSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Files and directories created from now on by this process and its children: 0600 and 0700. */
export const PRIVATE_UMASK = 0o077;

/**
 * Takes group and other permissions away from `dir` and everything below it (an older version
 * created them 0644/0755). Returns how many entries it changed. Symbolic links are left alone.
 */
export function makePrivate(dir: string): number {
  let changed = 0;
  const visit = (path: string) => {
    const stats = lstatSync(path);
    if (stats.isSymbolicLink()) return;
    if ((stats.mode & 0o077) !== 0) {
      chmodSync(path, stats.mode & 0o700);
      changed += 1;
    }
    if (stats.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(dir);
  return changed;
}
