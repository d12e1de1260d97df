import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './passwords.js';

describe('passwords', () => {
  it('are hashed with argon2id and verify only with the right password', async () => {
    const h = await hashPassword('s3cret-enough');
    expect(h.startsWith('$argon2id$')).toBe(true);
    expect(await verifyPassword(h, 's3cret-enough')).toBe(true);
    expect(await verifyPassword(h, 'wrong')).toBe(false);
  });

  it('treat an unreadable hash as a refusal, not a crash', async () => {
    expect(await verifyPassword('not-a-hash', 'anything')).toBe(false);
  });
});
