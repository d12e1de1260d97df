import { readdirSync, readFileSync } from 'node:fs';
import { IontoError } from '../errors/catalogue.js';
import type { Protocol } from './protocol-schema.js';
import { parseProtocol } from './protocol-parse.js';

const LIBRARY_DIR = new URL('./library/', import.meta.url);

let cache: Map<string, Protocol> | undefined;

/** Every protocol of the built-in library, validated, by id. A library file that fails validation is a bug. */
export function protocolLibrary(): ReadonlyMap<string, Protocol> {
  if (cache) return cache;
  const out = new Map<string, Protocol>();
  for (const name of readdirSync(LIBRARY_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const url = new URL(name, LIBRARY_DIR);
    const p = parseProtocol(readFileSync(url, 'utf8'), `library/${name}`);
    if (`${p.id}.json` !== name) {
      throw new IontoError('ION_ERR_PROTOCOL_INVALID', `library/${name}: id "${p.id}" does not match the file name`);
    }
    out.set(p.id, p);
  }
  cache = out;
  return out;
}

export function findProtocol(id: string): Protocol {
  const p = protocolLibrary().get(id);
  if (!p) {
    const known = [...protocolLibrary().keys()].join(', ');
    throw new IontoError('ION_ERR_UNKNOWN_PROTOCOL', `unknown protocol "${id}"; known protocols: ${known}`, { id });
  }
  return p;
}
