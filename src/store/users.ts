import { IontoError } from '../errors/catalogue.js';
import { ROLES } from './database.js';
import type { Role } from './database.js';
import type { Store } from './open-store.js';
import { getRow, insertRow, listRows, updateRow } from './versioned-rows.js';
import type { NewRow, Page, PageRequest, Row, RowPatch } from './versioned-rows.js';

/** A user row. `password_hash` holds a hash made elsewhere (the server); the store never sees a password. */
export type User = Row<'users'>;

function checkRole(role: Role): Role {
  if (!ROLES.includes(role)) throw new IontoError('ION_ERR_OUT_OF_RANGE', `unknown role '${role}'`, { role });
  return role;
}

const normaliseEmail = (email: string): string => email.trim().toLowerCase();

export const createUser = async (store: Store, input: NewRow<'users'>): Promise<User> =>
  insertRow(store, 'users', { ...input, email: normaliseEmail(input.email), role: checkRole(input.role) });

export const getUser = async (store: Store, id: string): Promise<User> => getRow(store, 'users', id);

export const findUserByEmail = async (store: Store, email: string): Promise<User | undefined> =>
  store.db.selectFrom('users').selectAll().where('email', '=', normaliseEmail(email)).executeTakeFirst();

export const listUsers = async (
  store: Store,
  page?: PageRequest,
  filter: { clinic_id?: string } = {},
): Promise<Page<User>> => listRows(store, 'users', page, filter);

export const updateUser = async (
  store: Store,
  id: string,
  expectedVersion: number,
  patch: RowPatch<'users'>,
): Promise<User> =>
  updateRow(store, 'users', id, expectedVersion, {
    ...patch,
    ...(patch.email === undefined ? {} : { email: normaliseEmail(patch.email) }),
    ...(patch.role === undefined ? {} : { role: checkRole(patch.role) }),
  });
