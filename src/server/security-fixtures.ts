import { createDevice } from '../store/index.js';
import type { DeviceRow, Store, User } from '../store/index.js';
import type { App } from './app-types.js';
import { createUserWithPassword } from './passwords.js';
import { hashSecretToken, newSecretToken } from './secret-tokens.js';
import { PASSWORD, signIn, world } from './test-fixtures.js';
import type { Signed, World } from './test-fixtures.js';

/** world() plus an admin in each clinic, the installation admin (no clinic) and a registered device of clinic A. */
export interface AdminWorld extends World {
  admins: { a: User; b: User; installation: User };
  device: { row: DeviceRow; token: string };
}

export async function adminWorld(store: Store): Promise<AdminWorld> {
  const w = await world(store);
  const clinicA = w.users.nurseA.clinic_id;
  const clinicB = w.users.nurseB.clinic_id;
  const admin = (email: string, clinic_id: string | null) =>
    createUserWithPassword(store, { email, password: PASSWORD, role: 'admin', clinic_id });
  const admins = {
    a: await admin('admin@a.test', clinicA),
    b: await admin('admin@b.test', clinicB),
    installation: await admin('root@install.test', null),
  };
  const token = newSecretToken('device');
  const row = await createDevice(store, {
    clinic_id: clinicA!,
    kind: 'simulated',
    name: 'Tray 1',
    token_hash: hashSecretToken(token),
  });
  return { ...w, admins, device: { row, token } };
}

/** Issues a script token for a signed-in user through the API. */
export async function issueToken(app: App, s: Signed, name = 'script', expires_at?: string): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/account/tokens',
    headers: s.headers,
    payload: { name, ...(expires_at === undefined ? {} : { expires_at }) },
  });
  if (res.statusCode !== 201) throw new Error(`token not issued: ${res.statusCode} ${res.body}`);
  return (res.json() as { token: string }).token;
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

export { PASSWORD, signIn };
