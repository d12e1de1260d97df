/**
 * Patients in Chromium against a real `ionto serve`: the dashboard and the patient list, intake with a screening that
 * refuses (the refusal's reasons show and no session can be started), and a patient screened as allowed with a
 * course planned, outcomes recorded and their charts drawn, on a desktop and on a phone-sized screen. The address
 * bar never holds a patient's id or name.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addressIsClean,
  launchBrowser,
  openPage,
  PHONE,
  screenshot,
  signIn,
  startServe,
  type Served,
} from './harness.js';

// Loaded at run time, so the Node type check of the tests does not compile the browser sources.
const MESSAGES = new URL('../src/i18n/patients.ts', import.meta.url).href;
const { patients: patientMessages } = (await import(MESSAGES)) as {
  patients: Record<'en' | 'fr' | 'it', Record<string, string>>;
};

/** The id the page keeps in its history entry (never in the address). */
const patientIdOf = (page: Page) => page.evaluate(() => (history.state as { patientId?: string } | null)?.patientId);

async function expectCleanAddress(page: Page, ...secrets: string[]): Promise<void> {
  expect(addressIsClean(page)).toBe(true);
  for (const s of secrets) expect(decodeURIComponent(page.url())).not.toContain(s);
}

/** Registers a patient through the intake form and waits for the screening step. */
async function registerPatient(page: Page, name: string, birthDate: string): Promise<void> {
  await page.getByRole('link', { name: 'Patients' }).click();
  await page.getByRole('button', { name: 'New patient' }).click();
  await page.getByRole('heading', { name: 'New patient', level: 1 }).waitFor();
  await page.getByLabel(/^Name/).fill(name);
  await page.getByLabel(/^Date of birth/).fill(birthDate);
  await page.getByRole('button', { name: 'Register the patient' }).click();
  await page.getByRole('heading', { name: name }).waitFor();
}

/** Answers every screening question "no" except the ones named, for the protocol given, and records it. */
async function screen(page: Page, protocolName: string, yes: readonly string[]): Promise<void> {
  await page.getByLabel(/^Protocol/).selectOption({ label: protocolName });
  const questions = page.locator('fieldset[data-question]');
  const n = await questions.count();
  expect(n).toBeGreaterThan(10);
  for (let i = 0; i < n; i++) {
    const q = questions.nth(i);
    const id = await q.getAttribute('data-question');
    await q.getByLabel(yes.includes(id!) ? 'Yes' : 'No', { exact: true }).check();
  }
  await page.getByRole('button', { name: 'Record the screening' }).click();
}

describe('patients, intake and the patient record in Chromium', { timeout: 120_000 }, () => {
  let served: Served;
  let browser: Browser;
  beforeAll(async () => {
    [served, browser] = await Promise.all([startServe(), launchBrowser()]);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    expect(await served?.stop()).toBe(0);
  });

  it('has a translation in English, French and Italian for every question the screening API lists', async () => {
    const { page, context } = await openPage(browser);
    await signIn(page, served, 'nurse');
    const res = await page.request.get(served.url + '/api/screening/questionnaire');
    expect(res.status()).toBe(200);
    const { items } = (await res.json()) as { items: { id: string }[] };
    expect(items.length).toBeGreaterThan(10);
    const missing: string[] = [];
    for (const lang of ['en', 'fr', 'it'] as const) {
      const table = patientMessages[lang];
      for (const q of items) if (!table[`patients.q.${q.id}`]?.trim()) missing.push(`${lang}: patients.q.${q.id}`);
    }
    expect(missing).toEqual([]);
    await context.close();
  });

  it('a refusing screening shows every reason with its source and leaves no way to start a session', async () => {
    const { page, context, errors } = await openPage(browser);
    await signIn(page, served, 'nurse');
    // The dashboard of the demo clinic: today's sessions and the overdue ones, each a link to the patient.
    await page.getByRole('heading', { name: /^Today, / }).waitFor();
    await page.getByRole('heading', { name: 'Overdue sessions' }).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('.loading').length === 0);
    await screenshot(page, 'dashboard');

    // The list and its search.
    await page.getByRole('link', { name: 'Patients' }).click();
    await page.getByRole('link', { name: 'Demo Patient Kim' }).waitFor();
    await screenshot(page, 'patients');
    await page.getByLabel(/^Search by name/).fill('kim');
    await page.getByText('Patients matching “kim”: 1').waitFor();
    expect(await page.getByRole('link', { name: /^Demo Patient/ }).count()).toBe(1);
    await expectCleanAddress(page, 'kim');

    const name = 'Refused Intake Person';
    await registerPatient(page, name, '1990-05-01');
    const id = await patientIdOf(page);
    expect(id).toBeTruthy();
    await expectCleanAddress(page, id!, name);

    // Nothing answered: the form refuses to send and names the questions.
    await page.getByRole('button', { name: 'Record the screening' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /Questions not answered: \d+/ })
      .waitFor();

    await screen(page, 'Tap-water iontophoresis, palms', ['pacemaker', 'pregnancy']);
    const decision = page.getByTestId('screening-decision');
    await decision.waitFor();
    expect(await decision.getAttribute('data-result')).toBe('refused');
    await decision.getByText('Refused', { exact: true }).waitFor();
    const reasons = decision.locator('.reason-refuse');
    expect(await reasons.count()).toBe(2);
    expect(await reasons.nth(0).textContent()).toMatch(/Pacemaker.*Source: \[H8\]\[A003\]/);
    expect(await reasons.nth(1).textContent()).toMatch(/Pregnant.*Source: \[H8\]\[A003\]/);
    await screenshot(page, 'intake-refused');
    await expectCleanAddress(page, id!, name);

    await page.getByRole('button', { name: "Open the patient's record" }).click();
    await page.getByRole('heading', { name, level: 1 }).waitFor();
    const blocked = page.getByTestId('session-blocked');
    await blocked.waitFor();
    expect(await blocked.textContent()).toContain(
      'Sessions blocked: the screening refuses Tap-water iontophoresis, palms',
    );
    expect(await blocked.locator('.reason-refuse').count()).toBe(2);
    expect(await page.getByRole('button', { name: /Start/ }).count()).toBe(0);
    // No course can be planned for the refused protocol either.
    await page.getByRole('button', { name: 'Plan a course' }).click();
    await page.getByText('No protocol can be planned').waitFor();
    await expectCleanAddress(page, id!, name);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('an allowed patient gets a course calendar, outcomes and charts; the page fits a phone', async () => {
    const { page, context, errors } = await openPage(browser);
    await signIn(page, served, 'clinician');
    const name = 'Allowed Intake Person';
    await registerPatient(page, name, '1985-02-14');
    const id = (await patientIdOf(page))!;
    await screen(page, 'Tap-water iontophoresis, palms', []);
    const decision = page.getByTestId('screening-decision');
    await decision.waitFor();
    expect(await decision.getAttribute('data-result')).toBe('allowed');
    await page.getByRole('button', { name: "Open the patient's record" }).click();
    await page.getByRole('heading', { name, level: 1 }).waitFor();

    // Plan a course with the planner's defaults for the protocol.
    await page.getByRole('button', { name: 'Plan a course' }).click();
    await page.getByRole('button', { name: 'Plan the course' }).click();
    const calendar = page.getByTestId('course-calendar');
    await calendar.waitFor();
    await page.getByText('Course planned.').waitFor();
    const planned = calendar.locator('li[data-status="planned"]');
    expect(await planned.count()).toBeGreaterThanOrEqual(7);
    // The next session can start: the button leads to the session page with ids in the history state only.
    const start = page.getByRole('button', { name: 'Start session' });
    await start.waitFor();

    // Cancel the last planned session, after confirming; the calendar is re-planned.
    const before = await calendar.locator('li[data-status="cancelled"]').count();
    await planned.last().getByRole('button', { name: 'Cancel session' }).click();
    await calendar
      .getByRole('group', { name: 'Confirm the change' })
      .getByRole('button', { name: 'Yes, cancel it' })
      .click();
    await calendar
      .getByText(/Session \d+ cancelled; the course was planned again\./)
      .first()
      .waitFor();
    await expect.poll(() => calendar.locator('li[data-status="cancelled"]').count()).toBeGreaterThan(before);

    // Two entries of each kind: HDSS, gravimetry, diary.
    const form = page.locator('form.outcome-form');
    const save = form.getByRole('button', { name: 'Save the outcome' });
    for (const [at, score] of [
      ['2026-01-05T10:00', '4'],
      ['2026-02-05T10:00', '2'],
    ] as const) {
      await form.getByLabel(/^Kind/).selectOption('hdss');
      await form.getByLabel(/^Measured on/).fill(at);
      await form.locator(`input[name="hdss-score"][value="${score}"]`).check();
      await save.click();
      await form.getByText('HDSS score saved.').waitFor();
    }
    for (const [at, mg] of [
      ['2026-01-05T10:30', '250'],
      ['2026-02-05T10:30', '80'],
    ] as const) {
      await form.getByLabel(/^Kind/).selectOption('gravimetry');
      await form.getByLabel(/^Measured on/).fill(at);
      await form.getByLabel(/^Site/).selectOption('palms');
      await form.getByLabel(/^Sweat collected/).fill(mg);
      await save.click();
      await form.getByText('Gravimetry saved.').waitFor();
    }
    for (const [day, dry] of [
      ['2026-02-03', 'Dry all day'],
      ['2026-02-04', 'Sweating came back'],
    ] as const) {
      await form.getByLabel(/^Kind/).selectOption('diary');
      await form.getByLabel(/^Day/).fill(day);
      await form.getByLabel(dry).check();
      await save.click();
      await form.getByText('Diary day saved.').waitFor();
    }
    for (const chart of ['chart-hdss', 'chart-gravimetry', 'chart-diary']) {
      const fig = page.getByTestId(chart);
      await fig.waitFor();
      await expect.poll(async () => Number(await fig.getAttribute('data-points'))).toBeGreaterThanOrEqual(2);
      expect(await fig.locator('canvas').count()).toBeGreaterThan(0);
    }
    // Correct the latest HDSS score (2 → 1): the whole entry goes back with the version read.
    const hdssRow = page.locator('tr').filter({ hasText: 'Score 2' });
    await hdssRow.getByRole('button', { name: 'Correct' }).click();
    await form.getByRole('heading', { name: 'Correct an outcome' }).waitFor();
    expect(await form.locator('input[name="hdss-score"][value="2"]').isChecked()).toBe(true);
    await form.locator('input[name="hdss-score"][value="1"]').check();
    await form.getByRole('button', { name: 'Save the correction' }).click();
    await page.locator('tr').filter({ hasText: 'Score 1' }).waitFor();
    expect(await page.locator('tr').filter({ hasText: 'Score 2' }).count()).toBe(0);
    await form.getByRole('heading', { name: 'Record an outcome' }).waitFor();
    await page.getByTestId('follow-up').waitFor();
    await screenshot(page, 'patient-desktop');
    await expectCleanAddress(page, id, name);
    expect(errors).toEqual([]);

    // The session page belongs to the live-session view; only how it is reached is checked here.
    await start.click();
    await page.waitForURL((u) => u.pathname === '/session');
    const state = await page.evaluate(() => history.state as Record<string, string>);
    expect(state.patientId).toBe(id);
    expect(state.courseId).toBeTruthy();
    expect(Number(state.seq)).toBeGreaterThanOrEqual(1);
    await expectCleanAddress(page, id, name);
    await context.close();

    // The same record on a phone: reached through the list, no sideways scrolling.
    const phone = await openPage(browser, { viewport: PHONE });
    await signIn(phone.page, served, 'nurse');
    await phone.page.goto(served.url + '/patients');
    await phone.page.getByLabel(/^Search by name/).fill('allowed intake');
    await phone.page.getByRole('link', { name }).click();
    await phone.page.getByRole('heading', { name, level: 1 }).waitFor();
    await phone.page.getByTestId('course-calendar').waitFor();
    await phone.page.getByTestId('chart-hdss').waitFor();
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await screenshot(phone.page, 'patient-phone');
    await expectCleanAddress(phone.page, id, name);
    expect(phone.errors).toEqual([]);
    await phone.context.close();
  });

  it('a patient on a phone sees their own next session and record, in French, with nothing to start or plan', async () => {
    const { page, context, errors } = await openPage(browser, { viewport: PHONE, locale: 'fr-FR' });
    await signIn(page, served, 'patient');
    await page.getByRole('heading', { name: 'Tableau de bord' }).waitFor();
    const next = page.getByTestId('my-next-session');
    await next.waitFor();
    expect(await next.textContent()).toMatch(/\d{4}/);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await screenshot(page, 'dashboard-patient-phone');
    await page.getByRole('link', { name: 'Ouvrir mon dossier' }).click();
    await page.getByRole('heading', { name: 'Demo Patient Alex', level: 1 }).waitFor();
    await page.getByTestId('course-calendar').waitFor();
    await page.getByRole('heading', { name: 'Cures' }).waitFor();
    expect(await page.getByRole('button', { name: /Lancer|Planifier|Refaire|Annuler/ }).count()).toBe(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    expect(addressIsClean(page)).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });
});
