import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { ApiTokensTable } from './database.js';
import type { Store } from './open-store.js';
import { toUtcInstant } from './store-time.js';

/** A personal API token row: `token_hash` is the SHA-256 of the token (hashed by the caller), never the token. */
export type ApiToken = Selectable<ApiTokensTable>;

export interface NewApiToken {
  user_id: string;
  name: string;
  token_hash: string;
  expires_at: string | null;
}

export async function createApiToken(store: Store, input: NewApiToken): Promise<ApiToken> {
  const row: ApiToken = {
    id: randomUUID(),
    user_id: input.user_id,
    name: input.name,
    token_hash: input.token_hash,
    created_at: toUtcInstant(store.now()),
    last_used_at: null,
    expires_at: input.expires_at === null ? null : toUtcInstant(input.expires_at),
  };
  await store.db.insertInto('api_tokens').values(row).execute();
  return row;
}

export const findApiTokenByHash = async (store: Store, tokenHash: string): Promise<ApiToken | undefined> =>
  store.db.selectFrom('api_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();

/** A user's tokens, oldest first. A user holds few (the server caps them), so there is no paging. */
export const listApiTokens = async (store: Store, userId: string): Promise<ApiToken[]> =>
  store.db
    .selectFrom('api_tokens')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();

export async function countApiTokens(store: Store, userId: string): Promise<number> {
  const { n } = await store.db
    .selectFrom('api_tokens')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(n);
}

/** Deletes one of the user's tokens; false when the user holds no token with that id. */
export async function deleteApiToken(store: Store, userId: string, id: string): Promise<boolean> {
  const r = await store.db
    .deleteFrom('api_tokens')
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Deletes every token of a user (when the user is disabled); the number deleted. */
export async function deleteApiTokensOfUser(store: Store, userId: string): Promise<number> {
  const r = await store.db.deleteFrom('api_tokens').where('user_id', '=', userId).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function touchApiToken(store: Store, id: string, at: Date): Promise<void> {
  await store.db
    .updateTable('api_tokens')
    .set({ last_used_at: toUtcInstant(at) })
    .where('id', '=', id)
    .execute();
}
