import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CompiledQuery, Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import type { MigrationResultSet } from 'kysely';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { Database } from './database.js';
import { migrationProvider } from './migrations.js';
import type { DialectName } from './migrations.js';

/** The default embedded database file. */
export const DEFAULT_SQLITE_FILE = './data/openionto.sqlite';

export interface OpenStoreOptions {
  /**
   * Where the data lives: `postgres://…` or `postgresql://…` for PostgreSQL, `:memory:` for an in-memory SQLite
   * database, `sqlite:PATH` or a plain path for a SQLite file. Default: `./data/openionto.sqlite`.
   */
  url?: string;
  /** PostgreSQL only: the schema to work in (created if missing; every connection's search_path is set to it). */
  schema?: string;
  /** Run the migrations on open (default true). */
  migrate?: boolean;
  /** The clock for created_at / updated_at (default: the system clock). */
  now?: () => Date;
}

export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  /** The schema a PostgreSQL store works in, if one was given. */
  readonly schema: string | undefined;
  readonly now: () => Date;
  /** Bring the schema to the latest migration; running it again changes nothing. */
  migrate(): Promise<MigrationResultSet>;
  close(): Promise<void>;
}

/** The environment variable the server and the CLI read the database URL from. */
export const DATABASE_URL_ENV = 'IONTO_DATABASE_URL';

/** The configured database URL, or undefined for the embedded default. */
export const databaseUrlFromEnv = (env: NodeJS.ProcessEnv = process.env): string | undefined => {
  const url = env[DATABASE_URL_ENV]?.trim();
  return url === undefined || url === '' ? undefined : url;
};

const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//i.test(url);

/** Quotes an identifier for PostgreSQL (schema names come from code, but quote anyway). */
const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

function sqliteDialect(url: string): SqliteDialect {
  const file = url === ':memory:' ? url : resolve(url.replace(/^sqlite:(\/\/)?/i, ''));
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  return new SqliteDialect({
    database: async () => {
      const db = new BetterSqlite3(file);
      db.pragma('foreign_keys = ON');
      if (file !== ':memory:') db.pragma('journal_mode = WAL');
      return db;
    },
  });
}

function postgresDialect(url: string, schema: string | undefined): PostgresDialect {
  return new PostgresDialect({
    pool: new pg.Pool({ connectionString: url, max: 10 }),
    ...(schema === undefined
      ? {}
      : {
          onCreateConnection: async (conn) => {
            await conn.executeQuery(CompiledQuery.raw(`set search_path to ${quoteIdent(schema)}`));
          },
        }),
  });
}

/** Drops a PostgreSQL schema and everything in it (test and benchmark schemas), on a connection of its own. */
export async function dropPostgresSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${quoteIdent(schema)} cascade`);
  } finally {
    await client.end();
  }
}

/**
 * Opens the store: SQLite embedded by default, PostgreSQL for a `postgres://` URL. Both give the same
 * `Kysely<Database>`, migrated to the latest schema unless `migrate: false`.
 */
export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  const url = options.url ?? DEFAULT_SQLITE_FILE;
  const dialect: DialectName = isPostgresUrl(url) ? 'postgres' : 'sqlite';
  const schema = dialect === 'postgres' ? options.schema : undefined;
  const db = new Kysely<Database>({
    dialect: dialect === 'postgres' ? postgresDialect(url, schema) : sqliteDialect(url),
  });
  if (schema !== undefined) await db.schema.createSchema(schema).ifNotExists().execute();
  const migrator = new Migrator({
    db,
    provider: migrationProvider(dialect),
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  const store: Store = {
    db,
    dialect,
    schema,
    now: options.now ?? (() => new Date()),
    async migrate() {
      const result = await migrator.migrateToLatest();
      if (result.error !== undefined) throw result.error;
      return result;
    },
    close: () => db.destroy(),
  };
  if (options.migrate !== false) {
    try {
      await store.migrate();
    } catch (e) {
      await db.destroy();
      throw e;
    }
  }
  return store;
}
