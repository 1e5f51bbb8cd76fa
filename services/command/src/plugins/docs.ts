/** GET /openapi.json (generated from the zod schemas of the routes) and GET /docs (Swagger UI). */
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

export default fp(async (app) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Compensation fund: command service',
        description: 'Commands on compensation claims of victims of human trafficking. Every command answers '
          + '`{ claimId, revision, events }` with `ETag: "<revision>"`; send `If-Match: "<revision>"` to act only on the state you saw, '
          + 'and `Idempotency-Key` to make a retry safe. Errors are RFC 9457 `application/problem+json`.',
        version: '1.0.0',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}, { name: 'cfund-docs' });
