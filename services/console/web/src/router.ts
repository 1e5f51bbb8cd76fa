/** A small router over the History API: the console has few pages (routes.ts), and no path holds personal data. */
import { useEffect, useState } from 'react';
import { routeOf, type Route } from '../../src/routes.ts';

export type { Route };

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
