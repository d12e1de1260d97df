import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listAudit } from '../store/index.js';
import type { TestDatabase } from '../store/test-backends.js';
import { TEST_BACKENDS } from '../store/test-backends.js';
import { buildServer } from './build-server.js';
import { registeredRoutes } from './route-table.js';
import { isProblem, PASSWORD, signIn, world } from './test-fixtures.js';
import type { World } from './test-fixtures.js';

describe.each(TEST_BACKENDS)('clinic API on $name', (backend) => {
  let db: TestDatabase;
  let w: World;

  beforeEach(async () => {
    db = backend.fresh();
    w = await world(await db.open());
  });
  afterEach(async () => {
    await w.app.close();
    await db.dispose();
  });

  const auditCount = async () => (await listAudit(w.store, { limit: 10_000 })).length;

  describe('health', () => {
    it('answers ok with the database it reached', async () => {
      const res = await w.app.inject({ method: 'GET', url: '/api/health' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'ok', database: backend.name });
    });

    it('answers 503 problem+json when the database is gone', async () => {
      await w.store.close();
      const res = await w.app.inject({ method: 'GET', url: '/api/health' });
      expect(res.statusCode).toBe(503);
      expect(isProblem(res)).toBe(true);
      expect(res.json().code).toBe('ION_ERR_UNAVAILABLE');
    });
  });

  describe('sign-in', () => {
    it('sets an httpOnly, SameSite=Strict session cookie and returns a CSRF token', async () => {
      const res = await w.app.inject({
        method: 'POST',
        url: '/api/auth/sign-in',
        payload: { email: 'Nurse@A.test ', password: PASSWORD },
      });
      expect(res.statusCode).toBe(200);
      const cookie = res.cookies.find((c) => c.name === 'ionto_session');
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
      expect(cookie?.value.length).toBeGreaterThanOrEqual(40);
      const body = res.json();
      expect(body.user).toEqual({
        id: w.users.nurseA.id,
        email: 'nurse@a.test',
        role: 'nurse',
        clinic_id: w.users.nurseA.clinic_id,
      });
      expect(body.csrfToken).toMatch(/^[A-Za-z0-9_-]{40,}$/);
      expect(res.body).not.toContain('password');
    });

    it('marks the cookie Secure by default', async () => {
      const app = await buildServer({ store: w.store });
      const res = await app.inject({
        method: 'POST',
        url: '/api/auth/sign-in',
        payload: { email: 'nurse@a.test', password: PASSWORD },
      });
      expect(res.cookies.find((c) => c.name === 'ionto_session')?.secure).toBe(true);
      await app.close();
    });

    it('refuses a wrong password and an unknown email alike (no user enumeration)', async () => {
      const wrong = await w.app.inject({
        method: 'POST',
        url: '/api/auth/sign-in',
        payload: { email: 'nurse@a.test', password: 'nope' },
      });
      const unknown = await w.app.inject({
        method: 'POST',
        url: '/api/auth/sign-in',
        payload: { email: 'nobody@a.test', password: 'nope' },
      });
      expect(wrong.statusCode).toBe(401);
      expect(unknown.statusCode).toBe(401);
      expect(isProblem(wrong) && isProblem(unknown)).toBe(true);
      expect(wrong.body).toBe(unknown.body);
      expect(wrong.cookies).toEqual([]);
    });

    it('me answers the signed-in user, and 401 once signed out', async () => {
      const s = await signIn(w.app, 'nurse@a.test');
      const me = await w.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: s.cookie } });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toMatchObject({ user: { email: 'nurse@a.test' }, csrfToken: s.csrf });
      const out = await w.app.inject({ method: 'POST', url: '/api/auth/sign-out', headers: s.headers });
      expect(out.statusCode).toBe(204);
      const after = await w.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: s.cookie } });
      expect(after.statusCode).toBe(401);
      expect(after.json().code).toBe('ION_ERR_UNAUTHENTICATED');
    });

    it('is rate limited to 5 attempts a minute per email and address, with 429 problem+json', async () => {
      for (let i = 0; i < 5; i++) {
        const r = await w.app.inject({
          method: 'POST',
          url: '/api/auth/sign-in',
          payload: { email: 'nurse@a.test', password: `guess${i}` },
        });
        expect(r.statusCode).toBe(401);
      }
      const limited = await w.app.inject({
        method: 'POST',
        url: '/api/auth/sign-in',
        payload: { email: 'nurse@a.test', password: PASSWORD },
      });
      expect(limited.statusCode).toBe(429);
      expect(isProblem(limited)).toBe(true);
      expect(limited.json()).toMatchObject({ status: 429, code: 'ION_ERR_RATE_LIMITED' });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited.cookies).toEqual([]);
      // Another account from the same address is not held up.
      await expect(signIn(w.app, 'clinician@a.test')).resolves.toBeDefined();
    });
  });

  describe('sessions', () => {
    it('end after eight hours: the cookie then signs no one in', async () => {
      let t = new Date('2026-11-21T09:00:00Z').getTime();
      const app = await buildServer({ store: w.store, now: () => new Date(t), secureCookies: false });
      const s = await signIn(app, 'nurse@a.test');
      t += 8 * 60 * 60 * 1000 - 1;
      expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: s.cookie } })).statusCode).toBe(
        200,
      );
      t += 1;
      expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: s.cookie } })).statusCode).toBe(
        401,
      );
      await app.close();
    });

    it('sign no one in with a made-up cookie', async () => {
      const res = await w.app.inject({
        method: 'GET',
        url: '/api/auth/me',
        headers: { cookie: 'ionto_session=forged' },
      });
      expect(res.statusCode).toBe(401);
    });
  });

  describe('CSRF', () => {
    it('refuses an unsafe request without the x-csrf-token header, or with a wrong one', async () => {
      const s = await signIn(w.app, 'nurse@a.test');
      const payload = { name: 'New One', birth_date: '2000-01-01', time_zone: 'Europe/Berlin' };
      const none = await w.app.inject({ method: 'POST', url: '/api/patients', headers: { cookie: s.cookie }, payload });
      expect(none.statusCode).toBe(403);
      expect(isProblem(none)).toBe(true);
      expect(none.json().code).toBe('ION_ERR_CSRF');
      const wrong = await w.app.inject({
        method: 'POST',
        url: '/api/patients',
        headers: { cookie: s.cookie, 'x-csrf-token': 'x'.repeat(43) },
        payload,
      });
      expect(wrong.statusCode).toBe(403);
      const ok = await w.app.inject({ method: 'POST', url: '/api/patients', headers: s.headers, payload });
      expect(ok.statusCode).toBe(201);
    });

    it('refuses sign-out without the token, so a cross-site page cannot sign a user out', async () => {
      const s = await signIn(w.app, 'nurse@a.test');
      const res = await w.app.inject({ method: 'POST', url: '/api/auth/sign-out', headers: { cookie: s.cookie } });
      expect(res.statusCode).toBe(403);
    });

    it('answers 401 to an unsafe request with no session at all', async () => {
      const res = await w.app.inject({ method: 'POST', url: '/api/patients', payload: {} });
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('ION_ERR_UNAUTHENTICATED');
    });
  });

  describe('clinic scoping', () => {
    it("answers 404 when a nurse of clinic A asks for clinic B's patient, as for a missing one", async () => {
      const s = await signIn(w.app, 'nurse@a.test');
      const other = await w.app.inject({
        method: 'GET',
        url: `/api/patients/${w.patients.b.id}`,
        headers: { cookie: s.cookie },
      });
      const missing = await w.app.inject({
        method: 'GET',
        url: '/api/patients/no-such-id',
        headers: { cookie: s.cookie },
      });
      expect(other.statusCode).toBe(404);
      expect(missing.statusCode).toBe(404);
      expect(other.json().code).toBe('ION_ERR_NOT_FOUND');
      expect(other.body).not.toContain('Bea');
      const patch = await w.app.inject({
        method: 'PATCH',
        url: `/api/patients/${w.patients.b.id}`,
        headers: { ...s.headers, 'if-match': '"1"' },
        payload: { name: 'Taken Over' },
      });
      expect(patch.statusCode).toBe(404);
    });

    it("lists only the user's clinic's patients", async () => {
      const s = await signIn(w.app, 'nurse@b.test');
      const res = await w.app.inject({ method: 'GET', url: '/api/patients', headers: { cookie: s.cookie } });
      expect(res.statusCode).toBe(200);
      expect(res.json().items.map((p: { id: string }) => p.id)).toEqual([w.patients.b.id]);
    });

    it('a patient sees only themself, and may not register patients', async () => {
      const s = await signIn(w.app, 'patient@a.test');
      const list = await w.app.inject({ method: 'GET', url: '/api/patients', headers: { cookie: s.cookie } });
      expect(list.json().items.map((p: { id: string }) => p.id)).toEqual([w.patients.ownA.id]);
      const own = await w.app.inject({
        method: 'GET',
        url: `/api/patients/${w.patients.ownA.id}`,
        headers: { cookie: s.cookie },
      });
      expect(own.statusCode).toBe(200);
      const sameClinic = await w.app.inject({
        method: 'GET',
        url: `/api/patients/${w.patients.otherA.id}`,
        headers: { cookie: s.cookie },
      });
      expect(sameClinic.statusCode).toBe(404);
      const create = await w.app.inject({
        method: 'POST',
        url: '/api/patients',
        headers: s.headers,
        payload: { name: 'Me Again', birth_date: '2000-01-01', time_zone: 'Europe/Berlin' },
      });
      expect(create.statusCode).toBe(403);
      expect(create.json().code).toBe('ION_ERR_FORBIDDEN');
    });

    it('answers 401 to reads without a session', async () => {
      const res = await w.app.inject({ method: 'GET', url: '/api/patients' });
      expect(res.statusCode).toBe(401);
      expect(isProblem(res)).toBe(true);
    });
  });

  describe('patients', () => {
    it('pages with limit and cursor, every patient on exactly one page', async () => {
      const s = await signIn(w.app, 'clinician@a.test');
      const first = await w.app.inject({ method: 'GET', url: '/api/patients?limit=1', headers: { cookie: s.cookie } });
      const p1 = first.json();
      expect(p1.items).toHaveLength(1);
      expect(typeof p1.next).toBe('string');
      const second = await w.app.inject({
        method: 'GET',
        url: `/api/patients?limit=1&cursor=${p1.next}`,
        headers: { cookie: s.cookie },
      });
      const p2 = second.json();
      expect(p2.items).toHaveLength(1);
      expect(p2.next).toBeUndefined();
      expect(new Set([p1.items[0].id, p2.items[0].id])).toEqual(new Set([w.patients.ownA.id, w.patients.otherA.id]));
    });

    it('creates a patient in the staff member’s own clinic, with an ETag and a Location', async () => {
      const s = await signIn(w.app, 'nurse@a.test');
      const res = await w.app.inject({
        method: 'POST',
        url: '/api/patients',
        headers: s.headers,
        payload: { name: 'Neu', birth_date: '1985-12-31', time_zone: 'Europe/Vienna' },
      });
      expect(res.statusCode).toBe(201);
      const p = res.json();
      expect(p).toMatchObject({ clinic_id: w.users.nurseA.clinic_id, version: 1, user_id: null });
      expect(res.headers.etag).toBe('"1"');
      expect(res.headers.location).toBe(`/api/patients/${p.id}`);
    });

    it('needs If-Match to change a patient: 428 without it, 412 when stale, 200 with a new ETag when current', async () => {
      const s = await signIn(w.app, 'nurse@a.test');
      const url = `/api/patients/${w.patients.otherA.id}`;
      const read = await w.app.inject({ method: 'GET', url, headers: { cookie: s.cookie } });
      expect(read.headers.etag).toBe('"1"');

      const missing = await w.app.inject({ method: 'PATCH', url, headers: s.headers, payload: { name: 'Otto Neu' } });
      expect(missing.statusCode).toBe(428);
      expect(isProblem(missing)).toBe(true);
      expect(missing.json().code).toBe('ION_ERR_PRECONDITION_REQUIRED');

      const ok = await w.app.inject({
        method: 'PATCH',
        url,
        headers: { ...s.headers, 'if-match': read.headers.etag as string },
        payload: { name: 'Otto Neu' },
      });
      expect(ok.statusCode).toBe(200);
      expect(ok.headers.etag).toBe('"2"');
      expect(ok.json()).toMatchObject({ name: 'Otto Neu', version: 2 });

      const stale = await w.app.inject({
        method: 'PATCH',
        url,
        headers: { ...s.headers, 'if-match': read.headers.etag as string },
        payload: { name: 'Otto Lost Update' },
      });
      expect(stale.statusCode).toBe(412);
      expect(isProblem(stale)).toBe(true);
      expect(stale.json().code).toBe('ION_ERR_PRECONDITION');
      const now = await w.app.inject({ method: 'GET', url, headers: { cookie: s.cookie } });
      expect(now.json().name).toBe('Otto Neu');
    });

    it('answers a malformed body with problem+json naming each invalid field by its JSON path', async () => {
      const s = await signIn(w.app, 'nurse@a.test');
      const res = await w.app.inject({
        method: 'POST',
        url: '/api/patients',
        headers: s.headers,
        payload: { birth_date: 'yesterday', time_zone: 'Europe/Berlin' },
      });
      expect(res.statusCode).toBe(400);
      expect(isProblem(res)).toBe(true);
      const body = res.json();
      expect(body).toMatchObject({ status: 400, code: 'ION_ERR_VALIDATION', title: expect.any(String) });
      expect(body.type).toContain('ION_ERR_VALIDATION');
      const paths = body.errors.map((e: { path: string }) => e.path);
      expect(paths).toEqual(expect.arrayContaining(['/body/name', '/body/birth_date']));
      expect(res.body).not.toMatch(/at .*\.(ts|js):\d+/);
      expect(body.stack).toBeUndefined();
    });

    it('refuses to move a patient to another clinic or to link a user who is not their patient user', async () => {
      const s = await signIn(w.app, 'nurse@a.test');
      const url = `/api/patients/${w.patients.otherA.id}`;
      const move = await w.app.inject({
        method: 'PATCH',
        url,
        headers: { ...s.headers, 'if-match': '"1"' },
        payload: { clinic_id: w.patients.b.clinic_id },
      });
      expect(move.statusCode).toBe(400);
      expect(move.json().code).toBe('ION_ERR_VALIDATION');
      for (const user_id of [w.users.nurseA.id, 'no-such-user']) {
        const link = await w.app.inject({
          method: 'PATCH',
          url,
          headers: { ...s.headers, 'if-match': '"1"' },
          payload: { user_id },
        });
        expect(link.statusCode).toBe(400);
        expect(link.json().code).toBe('ION_ERR_VALIDATION');
      }
    });

    it('answers malformed JSON with problem+json that does not echo the body', async () => {
      const s = await signIn(w.app, 'nurse@a.test');
      const res = await w.app.inject({
        method: 'POST',
        url: '/api/patients',
        headers: { ...s.headers, 'content-type': 'application/json' },
        payload: '{"name": "Secret Sam", ',
      });
      expect(res.statusCode).toBe(400);
      expect(isProblem(res)).toBe(true);
      expect(res.body).not.toContain('Secret');
    });

    it('answers an unknown time zone with a coded 400 naming the field', async () => {
      const s = await signIn(w.app, 'nurse@a.test');
      const res = await w.app.inject({
        method: 'POST',
        url: '/api/patients',
        headers: s.headers,
        payload: { name: 'Zed', birth_date: '2000-01-01', time_zone: 'Mars/Olympus' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'ION_ERR_VALIDATION', errors: [{ path: '/body/time_zone' }] });
    });

    it('appends to the audit log on every read and write of patient data, with no patient data in it', async () => {
      const s = await signIn(w.app, 'nurse@a.test');
      const id = w.patients.otherA.id;
      let n = await auditCount();
      await w.app.inject({ method: 'GET', url: `/api/patients/${id}`, headers: { cookie: s.cookie } });
      expect(await auditCount()).toBe(n + 1);
      n = await auditCount();
      await w.app.inject({ method: 'GET', url: '/api/patients', headers: { cookie: s.cookie } });
      expect(await auditCount()).toBe(n + 2);
      n = await auditCount();
      const created = await w.app.inject({
        method: 'POST',
        url: '/api/patients',
        headers: s.headers,
        payload: { name: 'Audit Me', birth_date: '2000-01-01', time_zone: 'Europe/Berlin' },
      });
      expect(await auditCount()).toBe(n + 1);
      n = await auditCount();
      await w.app.inject({
        method: 'PATCH',
        url: `/api/patients/${id}`,
        headers: { ...s.headers, 'if-match': '"1"' },
        payload: { name: 'Otto Audited' },
      });
      expect(await auditCount()).toBe(n + 1);
      await w.app.inject({ method: 'GET', url: `/api/patients/${w.patients.b.id}`, headers: { cookie: s.cookie } });

      const log = await listAudit(w.store, { limit: 10_000 });
      expect(log.map((e) => e.action)).toEqual([
        'patient.read',
        'patient.list',
        'patient.list',
        'patient.create',
        'patient.update',
        'patient.read_denied',
      ]);
      expect(log.every((e) => e.actor === w.users.nurseA.id && e.entity === 'patients')).toBe(true);
      expect(log.at(3)?.entity_id).toBe(created.json().id);
      expect(JSON.stringify(log)).not.toMatch(/Otto|Audit Me|1990-04-01|Europe/);
    });
  });

  describe('documents', () => {
    it('serves an OpenAPI 3.1 document listing every route', async () => {
      const res = await w.app.inject({ method: 'GET', url: '/api/openapi.json' });
      expect(res.statusCode).toBe(200);
      const doc = JSON.parse(res.body);
      expect(doc.openapi).toBe('3.1.0');
      // Every route the router has, found by the router itself, is in the document with its method.
      const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1')}`),
      );
      expect(documented.sort()).toEqual(registeredRoutes(w.app));
      expect(Object.keys(doc.paths['/api/patients/{id}']).sort()).toEqual(['get', 'patch']);
      expect(Object.keys(doc.paths['/api/patients']).sort()).toEqual(['get', 'post']);
      const patch = doc.paths['/api/patients/{id}'].patch;
      expect(patch.parameters).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: 'id', in: 'path', required: true }),
          expect.objectContaining({ name: 'if-match', in: 'header' }),
        ]),
      );
      expect(doc.paths['/api/auth/sign-in'].post.requestBody.content['application/json'].schema.required).toEqual([
        'email',
        'password',
      ]);
      expect(patch.responses.default.content['application/problem+json']).toBeDefined();
    });

    it('answers an unexpected failure with a bare 500 problem: no message, no stack', async () => {
      const app = await buildServer({ store: w.store });
      app.get('/api/boom', async () => {
        throw new Error('patient Ada Own exploded');
      });
      const res = await app.inject({ method: 'GET', url: '/api/boom' });
      expect(res.statusCode).toBe(500);
      expect(isProblem(res)).toBe(true);
      expect(res.json()).toEqual({
        type: 'urn:openionto:error:ION_ERR_INTERNAL',
        title: 'Internal server error',
        status: 500,
        detail: 'internal server error',
        code: 'ION_ERR_INTERNAL',
      });
      await app.close();
    });

    it('answers an unknown route with problem+json', async () => {
      const res = await w.app.inject({ method: 'GET', url: '/api/nothing-here' });
      expect(res.statusCode).toBe(404);
      expect(isProblem(res)).toBe(true);
    });
  });
});
