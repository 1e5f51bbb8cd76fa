/** What the query routes share: the read model, the event store, the keys and the clock. */
import type { FastifyRequest } from 'fastify';
import type { EventStoreDBClient } from '@eventstore/db-client';
import type { ChainKeyring, ChainSigner, KeyStore } from '@cfund/eventstore';
import type { Principal } from '@cfund/domain';
import { HttpProblem } from '@cfund/service-kit';
import type { ProjectionMetrics } from '../metrics.js';
import type { ProjectionRunner } from '../read-model/runner.js';

export interface QueryContext {
  client: EventStoreDBClient;
  runner: ProjectionRunner;
  metrics: ProjectionMetrics;
  keyStore: KeyStore;
  masterKey: Buffer;
  /** During a rotation of the master key (MASTER_KEY_PREVIOUS). */
  previousMasterKeys?: readonly Buffer[];
  /** Before a rotation reaches this instance (MASTER_KEY_NEXT). */
  nextMasterKeys?: readonly Buffer[];
  /** Signs the records of personal-data reads. */
  chainSigner: ChainSigner;
  /** Verifies the signatures of /claims/{id}/integrity. */
  chainKeyring: ChainKeyring;
  now: () => Date;
  /** Published monitoring figures over fewer victims are withheld. */
  suppressionThreshold: number;
}

export const principalOf = (request: FastifyRequest): Principal => {
  if (!request.principal) throw new HttpProblem(401, 'Unauthorized', 'Not authenticated.');
  return request.principal;
};

/**
 * onRequest hook: nothing is answered while a rebuild rewrites the served rows in place (they are
 * half-written); during a rebuild into a new file, queries go on from the served one.
 */
export const notWhileRebuilding = (ctx: QueryContext) => async (): Promise<void> => {
  if (!ctx.runner.answersQueries) {
    throw new HttpProblem(503, 'Service Unavailable', 'The read model is being rebuilt from the event store; retry shortly.', {
      code: 'rebuilding', headers: { 'retry-after': '5' },
    });
  }
};
