import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Kysely, Selectable } from 'kysely';
import { IontoError } from '../errors/catalogue.js';
import type { Database, VersionedColumns } from './database.js';
import type { Store } from './open-store.js';
import { toUtcInstant } from './store-time.js';

/** Tables whose rows carry id, created_at, updated_at and version. */
export type VersionedTable = {
  [K in keyof Database]: Database[K] extends VersionedColumns ? K : never;
}[keyof Database];

export type Row<T extends VersionedTable> = Selectable<Database[T]>;
export type NewRow<T extends VersionedTable> = Omit<Database[T], keyof VersionedColumns>;
export type RowPatch<T extends VersionedTable> = Partial<NewRow<T>>;

export interface PageRequest {
  /** Rows per page, 1 to 500 (default 50). */
  limit?: number;
  /** The `next` of the previous page. */
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` for the following page; undefined on the last page. */
  next: string | undefined;
}

export const MAX_PAGE = 500;
export const DEFAULT_PAGE = 50;

// The helpers below are generic over the table name; Kysely's types cannot follow that, so they work on an
// untyped view of the same database and the typed signatures above are what callers see.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const untyped = (store: Store): Kysely<any> => store.db as unknown as Kysely<any>;

export const encodeCursor = (id: string): string => Buffer.from(id, 'utf8').toString('base64url');
export const decodeCursor = (cursor: string): string => Buffer.from(cursor, 'base64url').toString('utf8');

export function pageLimit(limit: number | undefined): number {
  const n = limit ?? DEFAULT_PAGE;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE) {
    throw new IontoError('ION_ERR_OUT_OF_RANGE', `page limit must be an integer from 1 to ${MAX_PAGE}`, { limit });
  }
  return n;
}

export async function insertRow<T extends VersionedTable>(store: Store, table: T, values: NewRow<T>): Promise<Row<T>> {
  const now = toUtcInstant(store.now());
  const row = { id: randomUUID(), created_at: now, updated_at: now, version: 1, ...values };
  await untyped(store).insertInto(table).values(row).execute();
  return row as unknown as Row<T>;
}

export async function findRow<T extends VersionedTable>(
  store: Store,
  table: T,
  id: string,
): Promise<Row<T> | undefined> {
  return (await untyped(store).selectFrom(table).selectAll().where('id', '=', id).executeTakeFirst()) as
    Row<T> | undefined;
}

export async function getRow<T extends VersionedTable>(store: Store, table: T, id: string): Promise<Row<T>> {
  const row = await findRow(store, table, id);
  if (row === undefined) throw new IontoError('ION_ERR_NOT_FOUND', `${table} ${id} not found`, { table, id });
  return row;
}

/** One page in id order, optionally filtered by equal columns; every row appears on exactly one page. */
export async function listRows<T extends VersionedTable>(
  store: Store,
  table: T,
  page: PageRequest = {},
  where: Partial<Record<keyof Database[T] & string, string>> = {},
  /** Only rows whose text column contains this string (LIKE, with % and _ taken literally). */
  like?: { column: keyof Database[T] & string; contains: string },
): Promise<Page<Row<T>>> {
  const limit = pageLimit(page.limit);
  let q = untyped(store)
    .selectFrom(table)
    .selectAll()
    .orderBy('id')
    .limit(limit + 1);
  for (const [column, value] of Object.entries(where)) if (value !== undefined) q = q.where(column, '=', value);
  if (like !== undefined) {
    const pattern = `%${like.contains.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where(sql<boolean>`${sql.ref(like.column)} like ${pattern} escape '\\'`);
  }
  if (page.cursor !== undefined) q = q.where('id', '>', decodeCursor(page.cursor));
  const rows = (await q.execute()) as Row<T>[];
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items,
    next: rows.length > limit && last !== undefined ? encodeCursor((last as VersionedColumns).id) : undefined,
  };
}

/**
 * Applies `patch` only if the row is still at `expectedVersion`, and bumps the version. A row changed since it was
 * read is a conflict (ION_ERR_CONFLICT); a missing row is ION_ERR_NOT_FOUND.
 */
export async function updateRow<T extends VersionedTable>(
  store: Store,
  table: T,
  id: string,
  expectedVersion: number,
  patch: RowPatch<T>,
): Promise<Row<T>> {
  const { id: _id, version: _v, created_at: _c, updated_at: _u, ...values } = patch as Record<string, unknown>;
  const updated = (await untyped(store)
    .updateTable(table as string)
    .set({ ...values, version: expectedVersion + 1, updated_at: toUtcInstant(store.now()) })
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .returningAll()
    .executeTakeFirst()) as Row<T> | undefined;
  if (updated !== undefined) return updated;
  const current = (await getRow(store, table, id)) as VersionedColumns;
  throw new IontoError(
    'ION_ERR_CONFLICT',
    `${table} ${id} is at version ${current.version}, not ${expectedVersion}: read it again`,
    { table, id, expectedVersion, actualVersion: current.version },
  );
}
