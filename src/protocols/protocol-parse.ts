import { IontoError } from '../errors/catalogue.js';
import type { Protocol } from './protocol-schema.js';
import { crossFieldIssues, protocolSchema } from './protocol-schema.js';

/** One problem in a protocol document, located by its JSON path. */
export interface ProtocolIssue {
  readonly path: string;
  readonly message: string;
}

const jsonPath = (path: readonly PropertyKey[]): string =>
  '$' + path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('');

/** Check a protocol document; every problem with its JSON path (empty when valid). */
export function protocolIssues(doc: unknown): ProtocolIssue[] {
  const r = protocolSchema.safeParse(doc);
  if (r.success) return [];
  const issues = r.error.issues.map((i) => ({ path: jsonPath(i.path), message: i.message }));
  // The schema's own cross-field checks only run on otherwise valid documents: add them so all come at once.
  for (const c of crossFieldIssues(doc)) {
    const path = jsonPath(c.path);
    if (!issues.some((i) => i.path === path && i.message === c.message)) issues.push({ path, message: c.message });
  }
  return issues;
}

/** Parse and validate a protocol document from JSON text; `file` names it in errors. */
export function parseProtocol(text: string, file: string): Protocol {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new IontoError('ION_ERR_PROTOCOL_INVALID', `${file}: not valid JSON (${(e as Error).message})`, { file });
  }
  const r = protocolSchema.safeParse(doc);
  if (!r.success) {
    const issues = protocolIssues(doc);
    throw new IontoError(
      'ION_ERR_PROTOCOL_INVALID',
      `${file}: ${issues.length} problem(s): ` + issues.map((i) => `${i.path}: ${i.message}`).join('; '),
      { file, issues },
    );
  }
  return r.data;
}
