import type { OperationOutcome, OperationOutcomeIssue } from 'fhir/r4.js';
import { CS } from './codes.js';

/** The media type of FHIR JSON (FHIR R4 §2.6.1 http.html#mime-type). */
export const FHIR_JSON = 'application/fhir+json';

type IssueType = OperationOutcomeIssue['code'];

/** HTTP status → OperationOutcome issue type (the R4 issue-type value set, required binding). */
export function issueTypeFor(status: number): IssueType {
  if (status === 400) return 'invalid';
  if (status === 401) return 'login';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 409 || status === 412) return 'conflict';
  if (status === 429) return 'throttled';
  if (status >= 500) return 'exception';
  return 'processing';
}

export interface OutcomeInput {
  readonly status: number;
  /** The error catalogue code (src/errors/catalogue.ts). */
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  /** Field-level errors: a JSON pointer into the request and a message. */
  readonly errors?: readonly { readonly path: string; readonly message: string }[];
}

/**
 * An error for FHIR clients: an OperationOutcome with one issue (or one per invalid field), severity error, the
 * issue type of the HTTP status, the catalogue code as `details.coding` (OpenIonto error CodeSystem) and the
 * message as `diagnostics`. Like problem+json on /api, it never carries a stack or patient data.
 */
export function operationOutcome(e: OutcomeInput): OperationOutcome {
  const details = { coding: [{ system: CS.error, code: e.code, display: e.title }], text: e.title };
  const issue: OperationOutcomeIssue[] =
    e.errors !== undefined && e.errors.length > 0
      ? e.errors.map((x) => ({
          severity: 'error',
          code: issueTypeFor(e.status),
          details,
          diagnostics: `${x.path}: ${x.message}`,
        }))
      : [{ severity: 'error', code: issueTypeFor(e.status), details, diagnostics: e.detail }];
  return { resourceType: 'OperationOutcome', issue };
}
