import type { Browser, Page, WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addressIsClean,
  demoPatientId,
  DESKTOP,
  launchBrowser,
  openForPatient,
  openPage,
  PHONE,
  screenshot,
  signIn,
  startServe,
  type Served,
} from './harness.js';

/**
 * Session time per wall time. tapwater-palms runs 20 min at 15 mA (300 mA·min) plus its ramps and the half-time
 * reversal, about 22 min of session time: about 23 s at ×60. Its pause timeout (300 s) is then 5 s of wall time, so the
 * test resumes within a second or two of pausing.
 */
const SPEED = 60;

/** Opens the session page as the app does (navigate('session', { patientId })). */
const openSessionPage = (page: Page, id: string): Promise<void> => openForPatient(page, '/session', id, 'Session');

/** Elements that reach past the window's right edge (what makes a page scroll sideways), none expected. */
const wider = (page: Page): Promise<string[]> =>
  page.evaluate(() => {
    const out: string[] = [];
    if (document.documentElement.scrollWidth > window.innerWidth) {
      for (const el of Array.from(document.querySelectorAll('body *'))) {
        const r = el.getBoundingClientRect();
        if (r.right > window.innerWidth + 1 && r.width > 0)
          out.push(`${el.tagName}.${el.className} ${Math.round(r.right)}`);
      }
      if (out.length === 0) out.push(`scrollWidth ${document.documentElement.scrollWidth}`);
    }
    return out.slice(0, 10);
  });

const attr = async (page: Page, testId: string, name: string): Promise<number> =>
  Number(await page.getByTestId(testId).getAttribute(name));

describe('live session page in Chromium against ionto serve', { timeout: 120_000 }, () => {
  let served: Served;
  let browser: Browser;
  beforeAll(async () => {
    [served, browser] = await Promise.all([startServe({ sessionSpeed: SPEED }), launchBrowser()]);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    expect(await served?.stop()).toBe(0);
  });

  it('keeps Start disabled until every pre-step is ticked, and while a value is outside the protocol range', async () => {
    const { page, context, errors } = await openPage(browser);
    await signIn(page, served, 'nurse');
    await openSessionPage(page, await demoPatientId(page, served, 'Demo Patient Sam'));
    await page.getByText('Patient: Demo Patient Sam').waitFor();
    const checklist = page.getByTestId('session-checklist');
    await checklist.waitFor();
    const start = page.getByRole('button', { name: 'Start the session' });
    const boxes = checklist.getByRole('checkbox');
    const n = await boxes.count();
    expect(n).toBeGreaterThanOrEqual(3);
    expect(await start.isDisabled()).toBe(true);
    for (let i = 0; i < n - 1; i++) await boxes.nth(i).check();
    expect(await start.isDisabled()).toBe(true);
    await page.getByText(`${n - 1} of ${n} steps confirmed`).waitFor();
    await boxes.nth(n - 1).check();
    expect(await start.isEnabled()).toBe(true);
    // A current above the zone's maximum: the field names the range and Start goes off again.
    const current = page.getByLabel(/Current \(mA\)/);
    await current.fill('99');
    await page.getByText(/Enter a number from [\d.]+ to [\d.]+\./).waitFor();
    expect(await start.isDisabled()).toBe(true);
    await current.fill('9');
    expect(await start.isEnabled()).toBe(true);
    await boxes.nth(0).uncheck();
    expect(await start.isDisabled()).toBe(true);
    await boxes.nth(0).check();
    await screenshot(page, 'session-checklist');
    expect(addressIsClean(page)).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a refusing or missing screening refuses the start: the banner says why by code, with the reason, and nothing runs', async () => {
    const { page, context, errors } = await openPage(browser);
    await signIn(page, served, 'nurse');
    const me = (await (await page.request.get(`${served.url}/api/auth/me`)).json()) as { csrfToken: string };
    const post = async (path: string, data: unknown) => {
      const res = await page.request.post(`${served.url}${path}`, { data, headers: { 'x-csrf-token': me.csrfToken } });
      expect(res.status(), `${path}: ${await res.text()}`).toBe(201);
      return (await res.json()) as { id: string };
    };
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const refused = await post('/api/patients', { name: 'Test Pacemaker', birth_date: '1980-01-01', time_zone: zone });
    const q = (await (await page.request.get(`${served.url}/api/screening/questionnaire`)).json()) as {
      items: { id: string; kind: string }[];
    };
    const answers = Object.fromEntries(q.items.map((i) => [i.id, i.kind === 'decimal' ? 45 : i.id === 'pacemaker']));
    await post(`/api/patients/${refused.id}/screenings`, { protocol: 'tapwater-palms', answers });
    const unscreened = await post('/api/patients', {
      name: 'Test Unscreened',
      birth_date: '1990-05-05',
      time_zone: zone,
    });

    const startWithAllTicked = async (id: string) => {
      await openSessionPage(page, id);
      await page.getByLabel(/^Protocol/).selectOption('tapwater-palms');
      const checklist = page.getByTestId('session-checklist');
      await checklist.waitFor();
      for (const box of await checklist.getByRole('checkbox').all()) await box.check();
      await page.getByRole('button', { name: 'Start the session' }).click();
      const refusal = page.getByTestId('session-refusal');
      await refusal.waitFor();
      expect(await refusal.getAttribute('role')).toBe('alert');
      return refusal;
    };
    const r1 = await startWithAllTicked(refused.id);
    expect(await r1.getAttribute('data-code')).toBe('ION_ERR_CONTRAINDICATED');
    expect(await r1.textContent()).toContain('Not started: the screening does not allow this session');
    expect(await r1.textContent()).toMatch(/Reason given by the server: .*pacemaker/);
    await screenshot(page, 'session-refused');
    const r2 = await startWithAllTicked(unscreened.id);
    expect(await r2.getAttribute('data-code')).toBe('ION_ERR_CONTRAINDICATED');
    expect(await r2.textContent()).toContain(
      'The patient has no screening for this protocol. Screen the patient first.',
    );
    for (const id of [refused.id, unscreened.id]) {
      const list = await page.request.get(`${served.url}/api/sessions?patient_id=${id}`);
      expect(((await list.json()) as { items: unknown[] }).items).toEqual([]);
    }
    expect(page.url()).toBe(`${served.url}/session`);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a dropped socket is reopened and said so; Stop asks first: "No" carries on, "Yes" ends the session as stopped', async () => {
    const { page, context, errors } = await openPage(browser, { viewport: PHONE });
    // The live socket passes through the test, which can cut the first one as a lost network would.
    const sockets: { page: WebSocketRoute; server: WebSocketRoute }[] = [];
    await context.routeWebSocket(/\/api\/sessions\/[^/]+\/live$/, (ws) => {
      sockets.push({ page: ws, server: ws.connectToServer() });
    });
    await signIn(page, served, 'nurse');
    await openSessionPage(page, await demoPatientId(page, served, 'Demo Patient Robin'));
    const checklist = page.getByTestId('session-checklist');
    await checklist.waitFor();
    expect(await wider(page)).toEqual([]);
    for (const box of await checklist.getByRole('checkbox').all()) await box.check();
    await page.getByRole('button', { name: 'Start the session' }).click();
    await page.waitForFunction(() => document.querySelector('.session-live')?.getAttribute('data-phase') === 'treat', {
      timeout: 20_000,
    });
    expect(sockets.length).toBe(1);
    await sockets[0]!.page.close({ code: 1006, reason: 'dropped by the test' });
    await sockets[0]!.server.close();
    await page.getByTestId('session-reconnecting').waitFor();
    expect(await page.getByTestId('session-reconnecting').getAttribute('role')).toBe('alert');
    await page.getByText('Connected again.', { exact: false }).waitFor();
    expect(sockets.length).toBe(2);
    const tBack = await attr(page, 'session-chart-box', 'data-last-t');
    await page.waitForFunction(
      (t) => Number(document.querySelector('[data-testid="session-chart-box"]')?.getAttribute('data-last-t')) > t,
      tBack,
    );

    const stop = page.getByRole('button', { name: 'Stop', exact: true });
    await stop.click();
    const question = page.getByRole('alertdialog');
    await question.getByText(/Stop the session\?/).waitFor();
    expect(await stop.isDisabled()).toBe(true);
    // The confirmation takes the focus, so Enter or Space answers it from the keyboard.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Yes, stop the session');
    await question.getByRole('button', { name: 'No, carry on' }).click();
    await question.waitFor({ state: 'detached' });
    expect(await page.locator('.session-live').getAttribute('data-phase')).not.toBe('aborted');
    expect(await page.getByTestId('session-ended').count()).toBe(0);
    await stop.click();
    await page.getByRole('button', { name: 'Yes, stop the session' }).click();
    const ended = page.getByTestId('session-ended');
    await ended.waitFor({ timeout: 20_000 });
    expect(await ended.textContent()).toContain('Session stopped before the end');
    await page.getByTestId('session-events').locator('li[data-code="ION_EVT_ABORT"]').first().waitFor();
    await page.getByTestId('session-report').waitFor();
    expect(await page.getByRole('button', { name: 'Pause' }).count()).toBe(0);
    expect(await wider(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('runs a session: the chart updates ≥ 10 times a second, pause shows its reason, resume, and it completes with its dose', async () => {
    const { page, context, errors } = await openPage(browser);
    await signIn(page, served, 'nurse');
    const alex = await demoPatientId(page, served, 'Demo Patient Alex');
    await openSessionPage(page, alex);
    const checklist = page.getByTestId('session-checklist');
    await checklist.waitFor();
    for (const box of await checklist.getByRole('checkbox').all()) await box.check();
    await page.getByRole('button', { name: 'Start the session' }).click();

    // Live: rows arrive and the chart grows.
    const chart = page.getByTestId('session-chart');
    await page.waitForFunction(
      () => Number(document.querySelector('[data-testid="session-chart"]')?.getAttribute('data-points')) > 0,
    );
    const pointsBefore = Number(await chart.getAttribute('data-points'));
    await page.waitForTimeout(300);
    const pointsAfter = Number(await chart.getAttribute('data-points'));
    expect(pointsAfter).toBeGreaterThan(pointsBefore);

    // The real update rate: chart data changes counted over 2 s of wall time.
    const u0 = await attr(page, 'session-chart-box', 'data-updates');
    const t0 = await attr(page, 'session-chart-box', 'data-last-t');
    const started = Date.now();
    await page.waitForTimeout(2000);
    const u1 = await attr(page, 'session-chart-box', 'data-updates');
    const t1 = await attr(page, 'session-chart-box', 'data-last-t');
    const rate = (u1 - u0) / ((Date.now() - started) / 1000);
    console.log(`session chart: ${rate.toFixed(1)} updates/s; session time ${t0.toFixed(1)} → ${t1.toFixed(1)} s`);
    expect(rate).toBeGreaterThanOrEqual(10);
    expect(t1).toBeGreaterThan(t0);
    expect(addressIsClean(page)).toBe(true);

    // Pause once current flows; the banner says why.
    const live = page.locator('.session-live');
    await page.waitForFunction(() => document.querySelector('.session-live')?.getAttribute('data-phase') === 'treat', {
      timeout: 20_000,
    });
    await screenshot(page, 'session-live');
    await page.getByRole('button', { name: 'Pause' }).click();
    const banner = page.getByTestId('session-paused');
    await banner.waitFor();
    expect(await banner.getAttribute('role')).toBe('alert');
    expect(await banner.textContent()).toContain('Reason: Paused: paused by the operator');
    await page.getByTestId('session-events').locator('li[data-code="ION_EVT_PAUSE"]').waitFor();
    await screenshot(page, 'session-paused');
    await page.getByRole('button', { name: 'Resume' }).click();
    await banner.waitFor({ state: 'detached' });
    await page.getByTestId('session-events').locator('li[data-code="ION_EVT_RESUME"]').waitFor();
    expect(['ramp-up', 'treat', 'reversal']).toContain(await live.getAttribute('data-phase'));

    // On a phone: the chart takes the full width and nothing scrolls sideways.
    await page.setViewportSize(PHONE);
    await page.waitForTimeout(300);
    expect(await wider(page)).toEqual([]);
    const widths = await page.evaluate(() => {
      const box = document.querySelector('.session-chart')!.getBoundingClientRect();
      const canvas = document.querySelector('.session-chart canvas')!.getBoundingClientRect();
      return { box: box.width, canvas: canvas.width, page: window.innerWidth };
    });
    expect(widths.box).toBeGreaterThan(widths.page - 60);
    expect(widths.canvas).toBeGreaterThan(widths.box - 40);
    await screenshot(page, 'session-phone');
    await page.setViewportSize(DESKTOP);

    // A reload keeps the session (its id is in the history entry, not the address) and refills the chart's window from
    // the stored telemetry before the live rows come.
    await page.reload();
    await page.getByTestId('session-chart').waitFor();
    expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThan(100);
    expect(addressIsClean(page)).toBe(true);

    // The end: completed, with its dose and the protocol's post-steps.
    const ended = page.getByTestId('session-ended');
    await ended.waitFor({ timeout: 60_000 });
    expect(await ended.textContent()).toContain('Session complete');
    const report = page.getByTestId('session-report');
    const dose = (await report.textContent()) ?? '';
    const m = /Dose delivered([\d.,]+) of ([\d.,]+) mA·min/.exec(dose);
    expect(m).not.toBeNull();
    const delivered = Number(m![1]!.replace(/,/g, ''));
    const target = Number(m![2]!.replace(/,/g, ''));
    expect(target).toBe(300);
    // The engine ends a dose-based session within 1 % of its target (src/engine/session-scenarios.test.ts).
    expect(Math.abs(delivered - target) / target).toBeLessThan(0.01);
    expect(Number(await page.getByTestId('session-report-events').textContent())).toBeGreaterThan(3);
    await page.getByTestId('session-post-steps').getByText('Skin dried and checked for redness or blisters').waitFor();
    const progress = page.locator('progress');
    const filled = Number(await progress.getAttribute('value')) / Number(await progress.getAttribute('max'));
    expect(filled).toBeGreaterThan(0.99);
    await screenshot(page, 'session-done');
    expect(addressIsClean(page)).toBe(true);

    // The session is stored as completed, with the same dose.
    const stored = await page.request.get(`${served.url}/api/sessions?patient_id=${alex}`);
    const sessions = ((await stored.json()) as { items: { status: string; delivered_mamin: number }[] }).items;
    expect(sessions.map((s) => s.status)).toEqual(['completed']);
    expect(Math.abs(sessions[0]!.delivered_mamin - delivered)).toBeLessThan(0.01);

    // A second session the same day breaks the caps: the server refuses and the page says why, by code.
    await page.getByRole('link', { name: 'Back to the patient' }).waitFor();
    await openSessionPage(page, alex);
    await checklist.waitFor();
    for (const box of await checklist.getByRole('checkbox').all()) await box.check();
    await page.getByRole('button', { name: 'Start the session' }).click();
    const refusal = page.getByTestId('session-refusal');
    await refusal.waitFor();
    expect(await refusal.getAttribute('data-code')).toBe('ION_ERR_FREQUENCY_CAP');
    expect(await refusal.textContent()).toContain('at most 1 session(s) a day');
    expect(await refusal.textContent()).toContain('no current flowed');
    await page.getByLabel('Language').selectOption('fr');
    expect(await refusal.textContent()).toContain('Séance non démarrée : elle dépasserait la fréquence maximale');
    expect(errors).toEqual([]);
    await context.close();
  });
});
