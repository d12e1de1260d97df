import type { LightMyRequestResponse } from 'fastify';
import { createClinic, createPatient } from '../store/index.js';
import type { Patient, Store, User } from '../store/index.js';
import type { App } from './app-types.js';
import { buildServer } from './build-server.js';
import { createUserWithPassword } from './passwords.js';

export const PASSWORD = 'correct horse battery staple';

/** Two clinics, staff in each, a patient user, and three patients (two in clinic A, one in B). */
export interface World {
  app: App;
  store: Store;
  users: { nurseA: User; clinicianA: User; nurseB: User; patientA: User };
  patients: { ownA: Patient; otherA: Patient; b: Patient };
}

export async function world(store: Store): Promise<World> {
  const a = await createClinic(store, { name: 'Clinic A', time_zone: 'Europe/Berlin' });
  const b = await createClinic(store, { name: 'Clinic B', time_zone: 'America/New_York' });
  const user = (email: string, role: User['role'], clinic_id: string) =>
    createUserWithPassword(store, { email, password: PASSWORD, role, clinic_id });
  const users = {
    nurseA: await user('nurse@a.test', 'nurse', a.id),
    clinicianA: await user('clinician@a.test', 'clinician', a.id),
    nurseB: await user('nurse@b.test', 'nurse', b.id),
    patientA: await user('patient@a.test', 'patient', a.id),
  };
  const patient = (clinic_id: string, name: string, user_id: string | null) =>
    createPatient(store, { clinic_id, name, birth_date: '1990-04-01', time_zone: 'Europe/Berlin', user_id });
  const patients = {
    ownA: await patient(a.id, 'Ada Own', users.patientA.id),
    otherA: await patient(a.id, 'Otto Other', null),
    b: await patient(b.id, 'Bea Bee', null),
  };
  const app = await buildServer({ store, secureCookies: false });
  return { app, store, users, patients };
}

export interface Signed {
  cookie: string;
  csrf: string;
  /** Headers for a request as this user: the session cookie and, for unsafe methods, the CSRF token. */
  headers: Record<string, string>;
}

export async function signIn(app: App, email: string, password = PASSWORD): Promise<Signed> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/sign-in', payload: { email, password } });
  if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
  const c = res.cookies.find((x) => x.name === 'ionto_session');
  if (c === undefined) throw new Error('no session cookie');
  const cookie = `ionto_session=${c.value}`;
  const csrf = (res.json() as { csrfToken: string }).csrfToken;
  return { cookie, csrf, headers: { cookie, 'x-csrf-token': csrf } };
}

export const isProblem = (res: LightMyRequestResponse): boolean =>
  String(res.headers['content-type']).startsWith('application/problem+json');
