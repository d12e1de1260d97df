import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isIontoError } from '../errors/catalogue.js';
import { appendAudit, appendAuditMany, listAudit } from './audit-log.js';
import type { NewAuditEntry } from './audit-log.js';
import type { Store } from './open-store.js';
import { TEST_BACKENDS } from './test-backends.js';
import type { TestDatabase } from './test-backends.js';
import { inTransaction } from './transaction.js';

const listed = (n: number, from = 0): NewAuditEntry[] =>
  Array.from({ length: n }, (_, k) => ({
    actor: 'user-1',
    action: 'patient.list',
    entity: 'patients',
    entity_id: `p-${from + k}`,
  }));

describe.each(TEST_BACKENDS)('audit entries appended in bulk on $name', (backend) => {
  let db: TestDatabase;
  let store: Store;

  beforeEach(async () => {
    db = backend.fresh();
    store = await db.open({ now: () => new Date('2026-11-21T09:00:00.000Z') });
  });
  afterEach(async () => db.dispose());

  it('writes one row per entry, in the order given, after the entries already there', async () => {
    await appendAudit(store, { actor: 'user-1', action: 'patient.read', entity: 'patients', entity_id: 'p-x' });
    await appendAuditMany(store, listed(3));
    const log = await listAudit(store);
    expect(log.map((e) => e.entity_id)).toEqual(['p-x', 'p-0', 'p-1', 'p-2']);
    expect(log.map((e) => e.seq)).toEqual([...log.map((e) => e.seq)].sort((x, y) => x - y));
    expect(new Set(log.map((e) => e.seq)).size).toBe(4);
    expect(log.every((e) => e.at === '2026-11-21T09:00:00.000Z')).toBe(true);
  });

  it('stamps entries without a time with the store clock and keeps, in UTC, the time an entry gives', async () => {
    await appendAuditMany(store, [
      { actor: 'user-1', action: 'patient.list', entity: 'patients', entity_id: 'p-0' },
      {
        actor: 'user-1',
        action: 'patient.list',
        entity: 'patients',
        entity_id: 'p-1',
        at: '2026-03-29T02:30:00+02:00',
      },
    ]);
    expect((await listAudit(store)).map((e) => e.at)).toEqual(['2026-11-21T09:00:00.000Z', '2026-03-29T00:30:00.000Z']);
  });

  it('splits more than one statement’s worth of entries and keeps every one, in order', async () => {
    await appendAuditMany(store, listed(1234));
    const log = await listAudit(store, { limit: 2000 });
    expect(log).toHaveLength(1234);
    expect(log.map((e) => e.entity_id)).toEqual(listed(1234).map((e) => e.entity_id));
  });

  it('appends nothing for an empty list', async () => {
    await appendAuditMany(store, []);
    expect(await listAudit(store)).toEqual([]);
  });

  it('refuses the whole batch when one entry holds free text, and writes none of it', async () => {
    const bad = [...listed(600), { actor: 'user-1', action: 'note', entity: 'patients', entity_id: 'Jane Doe, 1990' }];
    const e = await appendAuditMany(store, bad).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isIontoError(e) && e.code).toBe('ION_ERR_OUT_OF_RANGE');
    expect(await listAudit(store)).toEqual([]);
  });

  it('rolls back with the transaction it was written in', async () => {
    await expect(
      inTransaction(store, async (tx) => {
        await appendAuditMany(tx, listed(5));
        throw new Error('the read failed');
      }),
    ).rejects.toThrow('the read failed');
    expect(await listAudit(store)).toEqual([]);
  });
});
