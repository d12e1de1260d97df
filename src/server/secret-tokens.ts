import { createHash, randomBytes } from 'node:crypto';

/** What a bearer token authenticates: a device's agent, or a script acting as a user. */
export type TokenKind = 'device' | 'user';

const PREFIX: Record<TokenKind, string> = { device: 'ionto_d_', user: 'ionto_u_' };

/**
 * A new bearer token: a prefix naming its kind (so a leaked token is recognisable in a secret scanner) and 32
 * random bytes. Only its hash is stored; the token itself is shown once, when it is issued.
 */
export const newSecretToken = (kind: TokenKind): string => PREFIX[kind] + randomBytes(32).toString('base64url');

/** The stored form of a token: SHA-256, hex. 256 random bits need no slow hash; a lookup by hash is exact. */
export const hashSecretToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** The kind a token's prefix names, or undefined for a string that is not one of ours. */
export function tokenKindOf(token: string): TokenKind | undefined {
  if (!/^ionto_[du]_[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
  return token.startsWith(PREFIX.device) ? 'device' : 'user';
}
