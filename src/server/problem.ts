import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { catalogue, isIontoError } from '../errors/catalogue.js';
import type { ErrorCode } from '../errors/catalogue.js';

/** RFC 9457 problem details, with the catalogue code; never a stack, never patient data. */
export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type Problem = z.infer<typeof ProblemSchema>;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The HTTP status of each catalogue code the server answers with; anything else is a 400. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  ION_ERR_VALIDATION: 400,
  ION_ERR_OUT_OF_RANGE: 400,
  ION_ERR_INVALID_TIME_ZONE: 400,
  ION_ERR_INVALID_INSTANT: 400,
  ION_ERR_UNAUTHENTICATED: 401,
  ION_ERR_FORBIDDEN: 403,
  ION_ERR_CSRF: 403,
  ION_ERR_NOT_FOUND: 404,
  ION_ERR_CONFLICT: 409,
  ION_ERR_DUPLICATE: 409,
  ION_ERR_SWEAT_TEST_STATE: 409,
  ION_ERR_SWEAT_QNS: 409,
  ION_ERR_SWEAT_STIMULATION: 422,
  ION_ERR_CONTRAINDICATED: 422,
  ION_ERR_FREQUENCY_CAP: 409,
  ION_ERR_PRECONDITION: 412,
  ION_ERR_PRECONDITION_REQUIRED: 428,
  ION_ERR_RATE_LIMITED: 429,
  ION_ERR_INTERNAL: 500,
  ION_ERR_UNAVAILABLE: 503,
  // A serial device the server drives: it did not open, answer, or speak our protocol version.
  ION_ERR_DEVICE_LINK: 503,
  ION_ERR_DEVICE_TIMEOUT: 504,
  ION_ERR_DEVICE_VERSION: 502,
};

export const statusOf = (code: ErrorCode): number => STATUS[code] ?? 400;

export function problem(code: ErrorCode, detail: string, errors?: Problem['errors']): Problem {
  return {
    type: `urn:openionto:error:${code}`,
    title: catalogue[code].title,
    status: statusOf(code),
    detail,
    code,
    ...(errors === undefined ? {} : { errors }),
  };
}

/** JSON Pointer of a validation error, prefixed by the part of the request it is in (`/body/email`). */
const pointer = (context: string | undefined, instancePath: string): string =>
  `/${context ?? 'request'}${instancePath}`;

/** Turns any error into problem+json: coded errors keep their code, the rest are a bare 500. */
export function toProblem(error: unknown): Problem {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const context = (error as { validationContext?: string }).validationContext;
    return problem(
      'ION_ERR_VALIDATION',
      'the request does not match the schema',
      error.validation.map((v) => ({ path: pointer(context, v.instancePath), message: v.message ?? 'invalid' })),
    );
  }
  // A coded error's message names tables and ids, never row contents (see the store's repositories).
  if (isIontoError(error)) return problem(error.code, error.message);
  const fe = error as Partial<FastifyError>;
  if (fe.statusCode === 429) return problem('ION_ERR_RATE_LIMITED', 'too many requests');
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    // Fastify's own client errors (malformed JSON, unsupported media type). Their messages can quote the body, so
    // only the code goes out.
    return { ...problem('ION_ERR_VALIDATION', `request refused (${fe.code ?? 'bad request'})`), status: fe.statusCode };
  }
  return problem('ION_ERR_INTERNAL', 'internal server error');
}

export async function sendProblem(reply: FastifyReply, p: Problem): Promise<FastifyReply> {
  return reply.code(p.status).type(PROBLEM_CONTENT_TYPE).send(p);
}

export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const p = toProblem(error);
  if (p.status >= 500) request.log.error({ err: error }, 'request failed');
  return sendProblem(reply, p);
}
