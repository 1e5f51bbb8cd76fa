/** A small router over the History API: the console has few pages, and no path holds personal data. */
import { useEffect, useState } from 'react';

export type Route =
  | { page: 'sign-in' }
  | { page: 'claims'; offset: number }
  | { page: 'work' }
  | { page: 'file-claim' }
  | { page: 'claim'; claimId: string }
  | { page: 'not-found' };

export function routeOf(path: string, search: string): Route {
  if (path === '/' || path === '/claims') {
    const offset = Number(new URLSearchParams(search).get('offset') ?? 0);
    return { page: 'claims', offset: Number.isSafeInteger(offset) && offset > 0 ? offset : 0 };
  }
  if (path === '/sign-in') return { page: 'sign-in' };
  if (path === '/work') return { page: 'work' };
  if (path === '/claims/new') return { page: 'file-claim' };
  const claim = /^\/claims\/([0-9a-f-]{36})$/.exec(path);
  if (claim) return { page: 'claim', claimId: claim[1]! };
  return { page: 'not-found' };
}

/** `replace`: instead of the current entry (a redirect), not a new one. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

export function useRoute(): Route {
  const read = () => routeOf(window.location.pathname, window.location.search);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const update = () => setRoute(read());
    window.addEventListener('popstate', update);
    return () => window.removeEventListener('popstate', update);
  }, []);
  return route;
}
