/**
 * POST /bank-statements (a camt.053 file) and /bank-statements/{id}/entries/{entry}/resolution:
 * a finance officer's bank statements. The projection service shows an imported statement.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BankStatementEntrySchema, CommandBodies, ProblemSchema } from '@cfund/contracts';
import { HttpProblem } from '@cfund/service-kit';
import type { CommandContext } from '../command-service.js';
import { EXAMPLES, withExample } from '../routes/examples.js';
import type { BankStatements } from './bank-statements.js';

/** A statement of 10,000 entries is about 15 MiB of XML. */
export const STATEMENT_MAX_BYTES = 64 * 1024 * 1024;

const STATEMENT_EXAMPLE = '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><GrpHdr><MsgId>MSG-1</MsgId></GrpHdr>'
  + '<Stmt><Id>STMT-1</Id><Acct><Id><IBAN>RS35260005601001611379</IBAN></Id></Acct><Ntry><Amt Ccy="RSD">200000.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>'
  + '<Sts><Cd>BOOK</Cd></Sts><AcctSvcrRef>BK-1</AcctSvcrRef><NtryDtls><TxDtls><Refs><EndToEndId>0K3XQ9ZJ5W2M8C1R7T4B6N0P2-1</EndToEndId></Refs>'
  + '</TxDtls></NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>';

const problems = {
  400: ProblemSchema.describe('Not a camt.053 statement, or not of a fund account'), 401: ProblemSchema,
  403: ProblemSchema.describe('Not a finance officer of the account\'s jurisdiction'), 404: ProblemSchema,
  409: ProblemSchema.describe('Refused by a rule (`code` names it)'), 413: ProblemSchema, 415: ProblemSchema,
};
const Counts = z.object({ paid: z.number().int(), returned: z.number().int(), unmatched: z.number().int(), notBooked: z.number().int() });
const ImportAnswer = z.object({
  statementId: z.string(), jurisdiction: z.string(), imported: z.boolean(), entryCount: z.number().int(), counts: Counts,
  unmatched: z.array(BankStatementEntrySchema),
});

export async function bankStatementRoutes(appIn: FastifyInstance, options: { statements: BankStatements }): Promise<void> {
  const app = appIn.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', app.authenticate);
  // The statement is read whole: matching needs every entry before the first claim is written.
  app.addContentTypeParser(['application/xml', 'text/xml'], { parseAs: 'string', bodyLimit: STATEMENT_MAX_BYTES }, (_request, body, done) => done(null, body));
  const ctxOf = (request: FastifyRequest): CommandContext => {
    if (!request.principal) throw new HttpProblem(401, 'Unauthorized', 'Not authenticated.');
    return { principal: request.principal, correlationId: request.id };
  };

  app.post('/bank-statements', {
    bodyLimit: STATEMENT_MAX_BYTES,
    schema: {
      summary: 'Import a bank statement of a fund account (ISO 20022 camt.053, as application/xml)', tags: ['payment runs'],
      description: 'Who: fund-finance of the jurisdiction whose fund account (FUND_ACCOUNTS) the statement is of. Each booked entry is matched '
        + 'to a payment of a released run by its end-to-end id and amount: a booking records the payment with the bank\'s reference, a return '
        + 'records its failure (it can go into a new run). Entries that match nothing, or that their claim refuses, are listed to be resolved by '
        + 'a person. Importing the same file again changes nothing (200, `imported: false`) and finishes an import a crash cut short. '
        + 'Names, accounts and free texts of the statement are never stored.',
      consumes: ['application/xml', 'text/xml'],
      body: withExample(z.string().describe('an ISO 20022 camt.053 statement'), STATEMENT_EXAMPLE),
      response: { 200: ImportAnswer, 201: ImportAnswer, ...problems },
    },
  }, async (request, reply) => {
    if (typeof request.body !== 'string') throw new HttpProblem(415, 'Unsupported Media Type', 'Send the statement as application/xml.', { code: 'unsupported-media-type' });
    const result = await options.statements.import(ctxOf(request), request.body);
    reply.code(result.imported ? 201 : 200).header('location', `/bank-statements/${result.statementId}`);
    return result;
  });

  app.post('/bank-statements/:id/entries/:entry/resolution', {
    schema: {
      summary: 'Resolve an unmatched entry of a bank statement: say what it was', tags: ['payment runs'],
      description: 'Who: fund-finance of the statement\'s jurisdiction. Only an unmatched entry, once.',
      params: z.object({ id: z.string().regex(/^[0-9a-f]{64}$/), entry: z.coerce.number().int().min(1) }),
      body: withExample(CommandBodies.resolveStatementEntry, EXAMPLES.resolveStatementEntry),
      response: { 200: z.object({ statementId: z.string(), revision: z.number().int(), events: z.array(z.string()) }), ...problems },
    },
  }, async (request) => options.statements.resolve(ctxOf(request), request.params.id, request.params.entry, request.body.note));
}
