/**
 * The built single-page app (web/, built by `pnpm build` into dist/web): its files, and its
 * index.html for every other GET outside /api without a file extension, where the app's own
 * router takes over.
 * Hashed assets are cached for good; index.html is revalidated so a new build shows at once.
 *
 * So that a page shows after one round trip for its HTML rather than a chain of them, the
 * index.html served names the page's own module (and what it imports) as module preloads, fetched
 * beside the app's script, and carries the signed-in user's session (what GET /api/session
 * answers) as a JSON data block, which no CSP forbids since it never runs. A page that carries
 * a session is not stored by any cache.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { HttpProblem } from '@cfund/service-kit';
import { readWebManifest, scriptsOf } from './build/web-manifest.js';
import { landingPage, lazyPageOf, PAGE_MODULES, routeOf, SESSION_ELEMENT_ID } from './routes.js';
import type { SignInMethod } from './session-routes.js';
import { sessionView, type Sessions } from './sessions.js';

export async function webRoutes(app: FastifyInstance, options: { root: string; sessions: Sessions; signIn: SignInMethod }): Promise<void> {
  const built = existsSync(join(options.root, 'index.html'));
  if (built) {
    await app.register(fastifyStatic, {
      root: options.root, wildcard: false, index: false, cacheControl: false,
      setHeaders: (res, path) => {
        res.header('cache-control', path.includes(`${join('/', 'assets', '/')}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  }
  app.get('/*', async (request, reply) => {
    const [path = '/', search = ''] = request.url.split('?');
    // The app's pages have no file extension: a missing file (favicon.ico) is a plain 404.
    if (path === '/api' || path.startsWith('/api/') || /\.\w+$/.test(path)) {
      throw new HttpProblem(404, 'Not Found', `No route ${request.method} ${path}.`, { code: 'not-found' });
    }
    if (!built) throw new HttpProblem(503, 'Service Unavailable', 'The console\'s web app is not built: run `pnpm build`.', { code: 'not-built' });
    const session = options.sessions.current(request);
    // At `/`, a signed-in person's own first page (the app goes there by the same rule): only its chunk is fetched.
    const route = session && path === '/' ? routeOf(landingPage(session.principal), '') : routeOf(path, `?${search}`);
    const head = [
      ...(await preloadsOf(options.root, ((page) => page && PAGE_MODULES[page])(lazyPageOf(route)))),
      ...(session ? [`<script type="application/json" id="${SESSION_ELEMENT_ID}">${jsonInHtml({ ...sessionView(options.sessions, session), signIn: options.signIn })}</script>`] : []),
    ];
    const html = await readFile(join(options.root, 'index.html'), 'utf8');
    return reply.header('cache-control', session ? 'no-store' : 'no-cache').type('text/html; charset=utf-8')
      .send(head.length === 0 ? html : html.replace('</head>', `${head.join('\n')}\n</head>`));
  });
}

/** Module preloads of `module` and its imports; none when the build has no manifest (an older build) or the page is in the app's script. */
async function preloadsOf(root: string, module: string | undefined): Promise<string[]> {
  if (!module) return [];
  const manifest = await readWebManifest(root).catch(() => undefined);
  if (!manifest) return [];
  return scriptsOf(manifest, module).map((file) => `<link rel="modulepreload" crossorigin href="${file}">`);
}

/** JSON inside a <script> element: no `<` that could close it or open a comment. */
const jsonInHtml = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c');
