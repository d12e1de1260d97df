import { randomBytes, timingSafeEqual } from 'node:crypto';

/** A signed-in session, held server-side; the browser only has the opaque token. */
export interface AuthSession {
  userId: string;
  csrfToken: string;
  expiresAt: number;
}

const token = (): string => randomBytes(32).toString('base64url');

export const DEFAULT_SESSION_TTL_MS = 8 * 60 * 60 * 1000;

/**
 * Sessions in the server's memory: a restart signs everyone out, and several server instances would need a shared
 * table instead (not yet in the store's migrations).
 */
export class SessionStore {
  readonly #sessions = new Map<string, AuthSession>();
  constructor(
    private readonly now: () => Date,
    private readonly ttlMs = DEFAULT_SESSION_TTL_MS,
  ) {}

  create(userId: string): { token: string; session: AuthSession } {
    // Sessions nobody comes back for would otherwise stay in memory for good: sweep the expired ones at sign-in.
    const now = this.now().getTime();
    for (const [k, v] of this.#sessions) if (v.expiresAt <= now) this.#sessions.delete(k);
    const t = token();
    const session = { userId, csrfToken: token(), expiresAt: now + this.ttlMs };
    this.#sessions.set(t, session);
    return { token: t, session };
  }

  get(t: string | undefined): AuthSession | undefined {
    if (t === undefined) return undefined;
    const s = this.#sessions.get(t);
    if (s === undefined) return undefined;
    if (s.expiresAt <= this.now().getTime()) {
      this.#sessions.delete(t);
      return undefined;
    }
    return s;
  }

  /** Sessions held now (expired ones included until the next sweep). */
  get size(): number {
    return this.#sessions.size;
  }

  delete(t: string | undefined): void {
    if (t !== undefined) this.#sessions.delete(t);
  }

  /** Ends every session of a user (disabled, or a new password), except the one `keep` names. */
  deleteForUser(userId: string, keep?: string): void {
    for (const [k, v] of this.#sessions) if (v.userId === userId && k !== keep) this.#sessions.delete(k);
  }
}

/** Constant-time string comparison for tokens. */
export function sameToken(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
