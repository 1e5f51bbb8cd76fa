import { Link } from '../components/Link.tsx';
import { useTitle } from '../components/use-title.ts';
import { useT } from '../i18n/use-t.ts';

export function NotFoundPage() {
  const t = useT();
  useTitle(t('app.notFound.title'));
  return (
    <section>
      <h1>{t('app.notFound.title')}</h1>
      <p><Link to="/claims">{t('app.notFound.back')}</Link></p>
    </section>
  );
}
