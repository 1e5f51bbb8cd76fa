/**
 * The built single-page app (web/, built by `pnpm build` into dist/web): its files, and its
 * index.html for every other GET outside /api without a file extension, where the app's own
 * router takes over.
 * Hashed assets are cached for good; index.html is revalidated so a new build shows at once.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { HttpProblem } from '@cfund/service-kit';

export async function webRoutes(app: FastifyInstance, options: { root: string }): Promise<void> {
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
    const path = request.url.split('?')[0]!;
    // The app's pages have no file extension: a missing file (favicon.ico) is a plain 404.
    if (path === '/api' || path.startsWith('/api/') || /\.\w+$/.test(path)) {
      throw new HttpProblem(404, 'Not Found', `No route ${request.method} ${path}.`, { code: 'not-found' });
    }
    if (!built) throw new HttpProblem(503, 'Service Unavailable', 'The console\'s web app is not built: run `pnpm build`.', { code: 'not-built' });
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  });
}
