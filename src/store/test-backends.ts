import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropPostgresSchema, openStore } from './open-store.js';
import type { OpenStoreOptions, Store } from './open-store.js';

/**
 * The backends the one storage suite runs against: SQLite always, PostgreSQL when IONTO_TEST_PG holds a URL. Each
 * test gets its own database: a fresh in-memory SQLite (or a temp file when it must survive a reopen), or a fresh
 * PostgreSQL schema with a random name, dropped when the test ends.
 */
export interface TestDatabase {
  /** Opens (or reopens) the test database. */
  open(options?: Omit<OpenStoreOptions, 'url' | 'schema'>): Promise<Store>;
  /** Closes every store opened here and removes the database. */
  dispose(): Promise<void>;
}

export interface TestBackend {
  readonly name: 'sqlite' | 'postgres';
  /** A new, empty database; `persistent` keeps SQLite's data across close and reopen. */
  fresh(options?: { persistent?: boolean }): TestDatabase;
}

function tracking(open: (o: Omit<OpenStoreOptions, 'url' | 'schema'>) => Promise<Store>, cleanup: () => Promise<void>) {
  const opened: Store[] = [];
  return {
    async open(o: Omit<OpenStoreOptions, 'url' | 'schema'> = {}) {
      const s = await open(o);
      opened.push(s);
      return s;
    },
    async dispose() {
      // Closing twice is harmless: Kysely's destroy is idempotent.
      for (const s of opened) await s.close();
      await cleanup();
    },
  };
}

const sqlite: TestBackend = {
  name: 'sqlite',
  fresh({ persistent = false } = {}) {
    if (!persistent)
      return tracking(
        (o) => openStore({ ...o, url: ':memory:' }),
        async () => {},
      );
    const dir = mkdtempSync(join(tmpdir(), 'ionto-store-'));
    return tracking(
      (o) => openStore({ ...o, url: join(dir, 'test.sqlite') }),
      async () => rmSync(dir, { recursive: true, force: true }),
    );
  },
};

const postgres = (url: string): TestBackend => ({
  name: 'postgres',
  fresh() {
    const schema = `ionto_test_${randomBytes(8).toString('hex')}`;
    return tracking(
      (o) => openStore({ ...o, url, schema }),
      () => dropPostgresSchema(url, schema),
    );
  },
});

export const TEST_BACKENDS: readonly TestBackend[] = [
  sqlite,
  ...(process.env.IONTO_TEST_PG ? [postgres(process.env.IONTO_TEST_PG)] : []),
];
