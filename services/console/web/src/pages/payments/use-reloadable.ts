/**
 * A page's resource from the projection, loaded again after each action: `value` is undefined
 * while loading and null when the projection knows no such thing (404); `after(message)` reloads
 * and says `message` (in `done`) only once the page shows what the action did.
 */
import { useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../../api.ts';

export interface Reloadable<T> {
  value: T | null | undefined;
  error: string | undefined;
  done: string | undefined;
  reload(): void;
  after(message: string): void;
}

export function useReloadable<T>(path: string): Reloadable<T> {
  const [value, setValue] = useState<T | null | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [reloads, setReloads] = useState(0);
  const [done, setDone] = useState<string | undefined>(undefined);
  const saidWhenLoaded = useRef<string | undefined>(undefined);
  const reload = () => setReloads((n) => n + 1);

  useEffect(() => {
    api<T>(path).then(({ body }) => {
      setValue(body);
      setDone(saidWhenLoaded.current);
      saidWhenLoaded.current = undefined;
    }, (e: unknown) => {
      if (e instanceof ApiError && e.problem.status === 404) setValue(null);
      else setError((e as Error).message);
    });
  }, [path, reloads]);

  return {
    value, error, done, reload,
    after: (message: string) => {
      saidWhenLoaded.current = message;
      setDone(undefined);
      reload();
    },
  };
}
