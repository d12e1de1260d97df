import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findRow, listAudit } from '../store/index.js';
import type { TestDatabase } from '../store/test-backends.js';
import { TEST_BACKENDS } from '../store/test-backends.js';
import { buildServer } from './build-server.js';
import { hashSecretToken } from './secret-tokens.js';
import { adminWorld, bearer, issueToken, PASSWORD, signIn } from './security-fixtures.js';
import type { AdminWorld } from './security-fixtures.js';
import { isProblem } from './test-fixtures.js';

const NEW_PASSWORD = 'a long enough new passphrase';

describe.each(TEST_BACKENDS)('accounts, clinics, devices and tokens on $name', (backend) => {
  let db: TestDatabase;
  let w: AdminWorld;

  beforeEach(async () => {
    db = backend.fresh();
    w = await adminWorld(await db.open());
  });
  afterEach(async () => {
    await w.app.close();
    await db.dispose();
  });

  const get = (url: string, headers: Record<string, string>) => w.app.inject({ method: 'GET', url, headers });

  describe('clinics', () => {
    it('the installation admin creates, lists and patches clinics with If-Match', async () => {
      const root = await signIn(w.app, 'root@install.test');
      const created = await w.app.inject({
        method: 'POST',
        url: '/api/clinics',
        headers: root.headers,
        payload: { name: 'Clinic C', time_zone: 'Asia/Tokyo' },
      });
      expect(created.statusCode).toBe(201);
      const c = created.json();
      expect(created.headers.etag).toBe('"1"');
      const list = await get('/api/clinics', { cookie: root.cookie });
      expect(
        list
          .json()
          .items.map((x: { name: string }) => x.name)
          .sort(),
      ).toEqual(['Clinic A', 'Clinic B', 'Clinic C']);
      const noMatch = await w.app.inject({
        method: 'PATCH',
        url: `/api/clinics/${c.id}`,
        headers: root.headers,
        payload: { name: 'Clinic C2' },
      });
      expect(noMatch.statusCode).toBe(428);
      const ok = await w.app.inject({
        method: 'PATCH',
        url: `/api/clinics/${c.id}`,
        headers: { ...root.headers, 'if-match': '"1"' },
        payload: { name: 'Clinic C2' },
      });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ name: 'Clinic C2', version: 2 });
      const stale = await w.app.inject({
        method: 'PATCH',
        url: `/api/clinics/${c.id}`,
        headers: { ...root.headers, 'if-match': '"1"' },
        payload: { name: 'Clinic C3' },
      });
      expect(stale.statusCode).toBe(412);
      expect((await findRow(w.store, 'clinics', c.id))?.name).toBe('Clinic C2');
    });

    it("a clinic admin reads and patches their own clinic, creates none, and gets 404 for another's", async () => {
      const a = await signIn(w.app, 'admin@a.test');
      const clinicA = w.admins.a.clinic_id!;
      const own = await get(`/api/clinics/${clinicA}`, { cookie: a.cookie });
      expect(own.statusCode).toBe(200);
      const patched = await w.app.inject({
        method: 'PATCH',
        url: `/api/clinics/${clinicA}`,
        headers: { ...a.headers, 'if-match': own.headers.etag as string },
        payload: { time_zone: 'Europe/Vienna' },
      });
      expect(patched.statusCode).toBe(200);
      expect(patched.json().time_zone).toBe('Europe/Vienna');
      expect((await get(`/api/clinics/${w.admins.b.clinic_id}`, { cookie: a.cookie })).statusCode).toBe(404);
      const create = await w.app.inject({
        method: 'POST',
        url: '/api/clinics',
        headers: a.headers,
        payload: { name: 'Mine', time_zone: 'Europe/Berlin' },
      });
      expect(create.statusCode).toBe(403);
      const list = await get('/api/clinics', { cookie: a.cookie });
      expect(list.json().items.map((x: { id: string }) => x.id)).toEqual([clinicA]);
    });
  });

  describe('users', () => {
    it('a clinic admin creates a user of their clinic; the answer and the list never carry a password hash', async () => {
      const a = await signIn(w.app, 'admin@a.test');
      const res = await w.app.inject({
        method: 'POST',
        url: '/api/users',
        headers: a.headers,
        payload: { email: 'New.Nurse@A.test', password: NEW_PASSWORD, role: 'nurse' },
      });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ email: 'new.nurse@a.test', role: 'nurse', clinic_id: w.admins.a.clinic_id });
      expect(res.body).not.toMatch(/argon2|password/);
      const stored = await findRow(w.store, 'users', res.json().id);
      expect(stored?.password_hash).toMatch(/^\$argon2id\$/);
      await expect(signIn(w.app, 'new.nurse@a.test', NEW_PASSWORD)).resolves.toBeDefined();
      const list = await get('/api/users?limit=2', { cookie: a.cookie });
      expect(list.statusCode).toBe(200);
      expect(list.json().items).toHaveLength(2);
      expect(list.json().next).toBeDefined();
      const rest = await get(`/api/users?limit=500&cursor=${list.json().next}`, { cookie: a.cookie });
      const all = [...list.json().items, ...rest.json().items];
      expect(all.every((u: { clinic_id: string }) => u.clinic_id === w.admins.a.clinic_id)).toBe(true);
      // nurse, clinician, patient, admin of world() and the new nurse
      expect(all).toHaveLength(5);
      expect(list.body + rest.body).not.toMatch(/argon2|password_hash/);
    });

    it('refuses a second user with the same email (any case) with 409, and a short password with 400', async () => {
      const a = await signIn(w.app, 'admin@a.test');
      const dup = await w.app.inject({
        method: 'POST',
        url: '/api/users',
        headers: a.headers,
        payload: { email: 'NURSE@a.test', password: NEW_PASSWORD, role: 'nurse' },
      });
      expect(dup.statusCode).toBe(409);
      expect(dup.json()).toMatchObject({ code: 'ION_ERR_DUPLICATE' });
      const short = await w.app.inject({
        method: 'POST',
        url: '/api/users',
        headers: a.headers,
        payload: { email: 'x@a.test', password: 'fourteen chars', role: 'nurse' },
      });
      expect(short.statusCode).toBe(400);
      expect(short.json().errors[0].path).toBe('/body/password');
    });

    it("a clinic admin cannot create users in another clinic, nor see or change another clinic's users", async () => {
      const a = await signIn(w.app, 'admin@a.test');
      const res = await w.app.inject({
        method: 'POST',
        url: '/api/users',
        headers: a.headers,
        payload: { email: 'x@b.test', password: NEW_PASSWORD, role: 'nurse', clinic_id: w.admins.b.clinic_id },
      });
      expect(res.statusCode).toBe(404);
      expect((await get(`/api/users/${w.users.nurseB.id}`, { cookie: a.cookie })).statusCode).toBe(404);
      const patch = await w.app.inject({
        method: 'PATCH',
        url: `/api/users/${w.users.nurseB.id}`,
        headers: { ...a.headers, 'if-match': '"1"' },
        payload: { role: 'clinician' },
      });
      expect(patch.statusCode).toBe(404);
      expect((await findRow(w.store, 'users', w.users.nurseB.id))?.role).toBe('nurse');
    });

    it('the installation admin creates the first admin of a clinic', async () => {
      const root = await signIn(w.app, 'root@install.test');
      const res = await w.app.inject({
        method: 'POST',
        url: '/api/users',
        headers: root.headers,
        payload: { email: 'boss@b.test', password: NEW_PASSWORD, role: 'admin', clinic_id: w.admins.b.clinic_id },
      });
      expect(res.statusCode).toBe(201);
      const missing = await w.app.inject({
        method: 'POST',
        url: '/api/users',
        headers: root.headers,
        payload: { email: 'n@b.test', password: NEW_PASSWORD, role: 'nurse' },
      });
      expect(missing.statusCode).toBe(400);
      expect(missing.json().detail).toContain('clinic_id');
    });

    it('changes a role with If-Match; an admin may not change their own role', async () => {
      const a = await signIn(w.app, 'admin@a.test');
      const nurse = await get(`/api/users/${w.users.nurseA.id}`, { cookie: a.cookie });
      const res = await w.app.inject({
        method: 'PATCH',
        url: `/api/users/${w.users.nurseA.id}`,
        headers: { ...a.headers, 'if-match': nurse.headers.etag as string },
        payload: { role: 'clinician' },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().role).toBe('clinician');
      const self = await w.app.inject({
        method: 'PATCH',
        url: `/api/users/${w.admins.a.id}`,
        headers: { ...a.headers, 'if-match': '"1"' },
        payload: { role: 'nurse' },
      });
      expect(self.statusCode).toBe(403);
      // The patient user is linked to a patient record: it stays a patient.
      const linked = await w.app.inject({
        method: 'PATCH',
        url: `/api/users/${w.users.patientA.id}`,
        headers: { ...a.headers, 'if-match': '"1"' },
        payload: { role: 'nurse' },
      });
      expect(linked.statusCode).toBe(400);
    });

    it('disabling a user ends their sessions, refuses sign-in and deletes their script tokens; a reset re-enables', async () => {
      const nurse = await signIn(w.app, 'nurse@a.test');
      const script = await issueToken(w.app, nurse);
      const a = await signIn(w.app, 'admin@a.test');
      const res = await w.app.inject({
        method: 'POST',
        url: `/api/users/${w.users.nurseA.id}/disable`,
        headers: a.headers,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().disabled).toBe(true);
      expect((await get('/api/auth/me', { cookie: nurse.cookie })).statusCode).toBe(401);
      expect((await get('/api/patients', bearer(script))).statusCode).toBe(401);
      await expect(signIn(w.app, 'nurse@a.test')).rejects.toThrow(/401/);
      const reset = await w.app.inject({
        method: 'POST',
        url: `/api/users/${w.users.nurseA.id}/password`,
        headers: a.headers,
        payload: { password: NEW_PASSWORD },
      });
      expect(reset.statusCode).toBe(200);
      expect(reset.json().disabled).toBe(false);
      await expect(signIn(w.app, 'nurse@a.test', NEW_PASSWORD)).resolves.toBeDefined();
      expect((await get('/api/patients', bearer(script))).statusCode).toBe(401);
      const actions = (await listAudit(w.store, { entity: 'users', entity_id: w.users.nurseA.id })).map(
        (e) => e.action,
      );
      expect(actions).toEqual(['user.disable', 'user.password_reset']);
    });

    it('a user changes their own password only with the current one; other sessions end, this one stays', async () => {
      const one = await signIn(w.app, 'nurse@a.test');
      const two = await signIn(w.app, 'nurse@a.test');
      const wrong = await w.app.inject({
        method: 'POST',
        url: '/api/account/password',
        headers: one.headers,
        payload: { current_password: 'not the password', new_password: NEW_PASSWORD },
      });
      expect(wrong.statusCode).toBe(403);
      await expect(signIn(w.app, 'nurse@a.test', PASSWORD)).resolves.toBeDefined();
      const ok = await w.app.inject({
        method: 'POST',
        url: '/api/account/password',
        headers: one.headers,
        payload: { current_password: PASSWORD, new_password: NEW_PASSWORD },
      });
      expect(ok.statusCode).toBe(204);
      expect((await get('/api/auth/me', { cookie: one.cookie })).statusCode).toBe(200);
      expect((await get('/api/auth/me', { cookie: two.cookie })).statusCode).toBe(401);
      await expect(signIn(w.app, 'nurse@a.test', PASSWORD)).rejects.toThrow(/401/);
      await expect(signIn(w.app, 'nurse@a.test', NEW_PASSWORD)).resolves.toBeDefined();
    });
  });

  describe('devices', () => {
    it('registers a device with a token shown once; only its hash is stored; staff list devices without hashes', async () => {
      const a = await signIn(w.app, 'admin@a.test');
      const res = await w.app.inject({
        method: 'POST',
        url: '/api/devices',
        headers: a.headers,
        payload: { kind: 'serial', name: 'Bench unit' },
      });
      expect(res.statusCode).toBe(201);
      const { device, token } = res.json();
      expect(token).toMatch(/^ionto_d_[A-Za-z0-9_-]{43}$/);
      const row = await findRow(w.store, 'devices', device.id);
      expect(row?.token_hash).toBe(hashSecretToken(token));
      expect(JSON.stringify(row)).not.toContain(token);
      const nurse = await signIn(w.app, 'nurse@a.test');
      const list = await get('/api/devices', { cookie: nurse.cookie });
      expect(list.statusCode).toBe(200);
      expect(
        list
          .json()
          .items.map((d: { name: string }) => d.name)
          .sort(),
      ).toEqual(['Bench unit', 'Tray 1']);
      expect(list.body).not.toContain(row!.token_hash);
      expect(list.body).not.toContain('token');
      const again = await get(`/api/devices/${device.id}`, { cookie: nurse.cookie });
      expect(again.body).not.toContain(token);
      const b = await signIn(w.app, 'nurse@b.test');
      expect((await get('/api/devices', { cookie: b.cookie })).json().items).toEqual([]);
      expect((await get(`/api/devices/${device.id}`, { cookie: b.cookie })).statusCode).toBe(404);
    });

    it('a device token authenticates as that device; a rotated-out token is refused; cookie and bearer together are refused', async () => {
      const self = await get('/api/devices/self', bearer(w.device.token));
      expect(self.statusCode).toBe(200);
      expect(self.json()).toMatchObject({ id: w.device.row.id, name: 'Tray 1' });
      // A device is not a person: it reads no patients.
      expect((await get('/api/patients', bearer(w.device.token))).statusCode).toBe(401);
      const a = await signIn(w.app, 'admin@a.test');
      const both = await get('/api/devices/self', { ...bearer(w.device.token), cookie: a.cookie });
      expect(both.statusCode).toBe(401);
      expect(isProblem(both)).toBe(true);
      // A person's cookie is not a device.
      expect((await get('/api/devices/self', { cookie: a.cookie })).statusCode).toBe(401);
      const rotated = await w.app.inject({
        method: 'POST',
        url: `/api/devices/${w.device.row.id}/token`,
        headers: a.headers,
      });
      expect(rotated.statusCode).toBe(200);
      const fresh = rotated.json().token as string;
      expect(fresh).not.toBe(w.device.token);
      expect((await get('/api/devices/self', bearer(w.device.token))).statusCode).toBe(401);
      expect((await get('/api/devices/self', bearer(fresh))).statusCode).toBe(200);
      const nurse = await signIn(w.app, 'nurse@a.test');
      const refused = await w.app.inject({
        method: 'POST',
        url: `/api/devices/${w.device.row.id}/token`,
        headers: nurse.headers,
      });
      expect(refused.statusCode).toBe(403);
      expect((await get('/api/devices/self', bearer(fresh))).statusCode).toBe(200);
    });
  });

  describe('script tokens', () => {
    it("act as their user with that user's role and clinic, with no CSRF token, and are listed without the token", async () => {
      const nurse = await signIn(w.app, 'nurse@a.test');
      const token = await issueToken(w.app, nurse, 'nightly export');
      expect(token).toMatch(/^ionto_u_[A-Za-z0-9_-]{43}$/);
      const patients = await get('/api/patients', bearer(token));
      expect(patients.statusCode).toBe(200);
      expect(
        patients
          .json()
          .items.map((p: { name: string }) => p.name)
          .sort(),
      ).toEqual(['Ada Own', 'Otto Other']);
      expect((await get(`/api/patients/${w.patients.b.id}`, bearer(token))).statusCode).toBe(404);
      const created = await w.app.inject({
        method: 'POST',
        url: '/api/patients',
        headers: bearer(token),
        payload: { name: 'By Script', birth_date: '2001-02-03', time_zone: 'Europe/Berlin' },
      });
      expect(created.statusCode).toBe(201);
      // A nurse's token is a nurse: no admin routes.
      expect((await get('/api/users', bearer(token))).statusCode).toBe(403);
      const list = await get('/api/account/tokens', { cookie: nurse.cookie });
      expect(list.json().items).toHaveLength(1);
      expect(list.json().items[0]).toMatchObject({ name: 'nightly export', expires_at: null });
      expect(list.json().items[0].last_used_at).not.toBeNull();
      expect(list.body).not.toContain(token);
      expect(list.body).not.toContain(hashSecretToken(token));
    });

    it('cannot issue further tokens or change the password; a revoked or expired token is refused', async () => {
      let t = new Date('2026-11-21T09:00:00Z').getTime();
      const app = await buildServer({ store: w.store, now: () => new Date(t), secureCookies: false });
      try {
        const nurse = await signIn(app, 'nurse@a.test');
        const token = await issueToken(app, nurse);
        const short = await issueToken(app, nurse, 'short', '2026-11-21T10:00:00Z');
        const more = await app.inject({
          method: 'POST',
          url: '/api/account/tokens',
          headers: bearer(token),
          payload: { name: 'another' },
        });
        expect(more.statusCode).toBe(403);
        const pw = await app.inject({
          method: 'POST',
          url: '/api/account/password',
          headers: bearer(token),
          payload: { current_password: PASSWORD, new_password: NEW_PASSWORD },
        });
        expect(pw.statusCode).toBe(403);
        expect((await app.inject({ method: 'GET', url: '/api/account', headers: bearer(short) })).statusCode).toBe(200);
        t += 60 * 60 * 1000;
        expect((await app.inject({ method: 'GET', url: '/api/account', headers: bearer(short) })).statusCode).toBe(401);
        const [row] = (await app.inject({ method: 'GET', url: '/api/account/tokens', headers: bearer(token) })).json()
          .items as { id: string }[];
        const revoke = await app.inject({
          method: 'DELETE',
          url: `/api/account/tokens/${row!.id}`,
          headers: nurse.headers,
        });
        expect(revoke.statusCode).toBe(204);
        expect((await app.inject({ method: 'GET', url: '/api/account', headers: bearer(token) })).statusCode).toBe(401);
      } finally {
        await app.close();
      }
    });

    it("a user cannot revoke another user's token", async () => {
      const nurse = await signIn(w.app, 'nurse@a.test');
      const token = await issueToken(w.app, nurse);
      const [row] = (await get('/api/account/tokens', { cookie: nurse.cookie })).json().items as { id: string }[];
      const other = await signIn(w.app, 'clinician@a.test');
      const res = await w.app.inject({
        method: 'DELETE',
        url: `/api/account/tokens/${row!.id}`,
        headers: other.headers,
      });
      expect(res.statusCode).toBe(404);
      expect((await get('/api/account', bearer(token))).statusCode).toBe(200);
    });
  });

  describe('audit log', () => {
    it("a clinic admin reads their clinic's entries only, filtered, paged, and the read is itself audited", async () => {
      const nurseA = await signIn(w.app, 'nurse@a.test');
      const nurseB = await signIn(w.app, 'nurse@b.test');
      await get(`/api/patients/${w.patients.ownA.id}`, { cookie: nurseA.cookie });
      await get(`/api/patients/${w.patients.otherA.id}`, { cookie: nurseA.cookie });
      await get(`/api/patients/${w.patients.b.id}`, { cookie: nurseB.cookie });
      const a = await signIn(w.app, 'admin@a.test');
      const res = await get('/api/audit?entity=patients&limit=1', { cookie: a.cookie });
      expect(res.statusCode).toBe(200);
      expect(res.json().items).toEqual([
        expect.objectContaining({ actor: w.users.nurseA.id, action: 'patient.read', entity_id: w.patients.ownA.id }),
      ]);
      const next = await get(`/api/audit?entity=patients&limit=10&cursor=${res.json().next}`, { cookie: a.cookie });
      expect(next.json().items.map((e: { entity_id: string }) => e.entity_id)).toEqual([w.patients.otherA.id]);
      expect(next.json().next).toBeUndefined();
      const byActor = await get(`/api/audit?actor=${w.users.nurseB.id}`, { cookie: a.cookie });
      expect(byActor.json().items).toEqual([]);
      const future = await get('/api/audit?from=2999-01-01T00:00:00Z', { cookie: a.cookie });
      expect(future.json().items).toEqual([]);
      const reads = await listAudit(w.store, { entity: 'audit_log' });
      expect(reads.map((e) => [e.actor, e.action, e.entity_id])).toEqual(
        Array(4).fill([w.admins.a.id, 'audit.read', w.admins.a.clinic_id]),
      );
      const root = await signIn(w.app, 'root@install.test');
      const everything = await get(`/api/audit?actor=${w.users.nurseB.id}`, { cookie: root.cookie });
      expect(everything.json().items).toHaveLength(1);
      const nurse = await get('/api/audit', { cookie: nurseA.cookie });
      expect(nurse.statusCode).toBe(403);
    });
  });
});
