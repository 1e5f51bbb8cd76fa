import { Link } from '../components/Link.tsx';
import { useTitle } from '../components/use-title.ts';
import { useT } from '../i18n/use-t.ts';

/** `home`: the user's own first page (a monitor has no claims to go back to). */
export function NotFoundPage(props: { home: string }) {
  const t = useT();
  useTitle(t('app.notFound.title'));
  return (
    <section>
      <h1>{t('app.notFound.title')}</h1>
      <p><Link to={props.home}>{t('app.notFound.back')}</Link></p>
    </section>
  );
}
