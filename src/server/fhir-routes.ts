import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { patientEverything } from '../fhir/patient-everything.js';
import { FHIR_JSON, operationOutcome } from '../fhir/operation-outcome.js';
import type { App, ServerContext } from './app-types.js';
import { requireUser } from './authentication.js';
import { audit, audited, visiblePatient } from './patient-access.js';
import { problem, toProblem } from './problem.js';

/** A FHIR resource id (R4 datatypes: id). */
const FhirId = z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'a FHIR id: 1–64 letters, digits, "-" or "."');

const BundleSchema = z.looseObject({
  resourceType: z.literal('Bundle'),
  type: z.literal('searchset'),
  entry: z.array(z.looseObject({ fullUrl: z.string(), resource: z.looseObject({ resourceType: z.string() }) })),
});

const OperationOutcomeSchema = z.looseObject({
  resourceType: z.literal('OperationOutcome'),
  issue: z.array(z.looseObject({ severity: z.string(), code: z.string() })),
});

/**
 * Errors under /fhir are FHIR OperationOutcomes (application/fhir+json), what FHIR clients parse; the status and the
 * catalogue code are the ones /api gives as problem+json (the same `toProblem`), so the two stay in step.
 */
async function sendOutcome(request: FastifyRequest, reply: FastifyReply, error: unknown): Promise<FastifyReply> {
  const p = toProblem(error);
  if (p.status >= 500) request.log.error({ err: error }, 'request failed');
  return reply.code(p.status).type(FHIR_JSON).send(operationOutcome(p));
}

/** The FHIR R4 interface: `GET /fhir/Patient/{id}/$everything`. */
export function fhirRoutes(app: App, ctx: ServerContext): void {
  const { store } = ctx;
  void app.register(
    async (plugin) => {
      const fhir = plugin.withTypeProvider<ZodTypeProvider>();
      fhir.setErrorHandler((error, request, reply) => sendOutcome(request, reply, error));
      fhir.setNotFoundHandler((request, reply) =>
        reply
          .code(404)
          .type(FHIR_JSON)
          .send(operationOutcome(problem('ION_ERR_NOT_FOUND', 'no such FHIR interaction'))),
      );

      fhir.get(
        // `$` is an ordinary character to Fastify's router: the operation name matches literally.
        '/Patient/:id/$everything',
        {
          schema: {
            summary:
              'FHIR R4 Patient $everything: a searchset Bundle of the patient and all their records ' +
              '(application/fhir+json; errors as OperationOutcome)',
            params: z.object({ id: FhirId }),
            response: { 200: BundleSchema, 401: OperationOutcomeSchema, 404: OperationOutcomeSchema },
          },
        },
        async (request, reply) => {
          const { user } = requireUser(request);
          // fullUrls under the address the client used; a Host header that is not a plain host[:port] gets
          // urn:uuid: references instead (still resolvable inside the bundle).
          const host = request.host as string | undefined;
          const base =
            host !== undefined && /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host)
              ? `${request.protocol}://${host}/fhir`
              : undefined;
          const bundle = await audited(store, user, async (tx) => {
            const p = await visiblePatient(tx, user, request.params.id);
            const b = await patientEverything(tx, p.id, base === undefined ? {} : { base });
            await audit(tx, user, 'patient.export_fhir', p.id);
            return b;
          });
          // patientEverything always gives a searchset whose entries all have a fullUrl: what BundleSchema states.
          return reply.type(FHIR_JSON).send(bundle as z.input<typeof BundleSchema>);
        },
      );
    },
    { prefix: '/fhir' },
  );
}
