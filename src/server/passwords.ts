import { hash, verify } from '@node-rs/argon2';
import { createUser } from '../store/index.js';
import type { Role, Store, User } from '../store/index.js';

/**
 * argon2id (the library's default algorithm; a test checks the `$argon2id$` prefix) with the OWASP-recommended
 * minimum cost: 19 MiB, 2 passes, 1 lane.
 */
const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string): Promise<string> => hash(password, OPTIONS);

/** False for a wrong password or an unreadable hash; never throws for bad input. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/**
 * A hash of a random password, verified against when the email is unknown, so an unknown user costs as much time as
 * a wrong password (no user enumeration by timing).
 */
let decoy: Promise<string> | undefined;
export const decoyHash = (): Promise<string> => (decoy ??= hashPassword(`decoy-${Math.random()}`));

/** Creates a user whose password is stored as an argon2id hash: for tests, seeding and the demo clinic. */
export async function createUserWithPassword(
  store: Store,
  input: { email: string; password: string; role: Role; clinic_id: string | null },
): Promise<User> {
  return createUser(store, {
    email: input.email,
    role: input.role,
    clinic_id: input.clinic_id,
    password_hash: await hashPassword(input.password),
  });
}
