import { useEffect } from 'react';
import { useT } from '../i18n/use-t.ts';

/** The page's title: the page's name and the app's, never anything personal (it lands in the history). */
export function useTitle(title: string): void {
  const t = useT();
  const app = t('app.title');
  useEffect(() => {
    document.title = `${title} · ${app}`;
  }, [title, app]);
}
