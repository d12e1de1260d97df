import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
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
  type OpenedPage,
  type Served,
} from './harness.js';

/**
 * Home treatment in the browser: a clinician hands the demo patient's course over to home, the patient (signed in on a
 * phone) runs the guided session at ×300 (tapwater-palms, about 20 min of session time: a few seconds), records how it
 * went and gets the advice, a burn stops the course, and the clinician resumes it after a review.
 */
const SPEED = 300;
/** The demo patient linked to the demo patient user (src/server/demo-clinic.ts), on tapwater-palms. */
const PATIENT = 'Demo Patient Alex';

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

async function csrf(page: Page, served: Served): Promise<string> {
  const me = (await (await page.request.get(`${served.url}/api/auth/me`)).json()) as { csrfToken: string };
  return me.csrfToken;
}

describe('home treatment in Chromium against ionto serve', { timeout: 180_000 }, () => {
  let served: Served;
  let browser: Browser;
  let clinician: OpenedPage;
  let patient: OpenedPage;
  let alexId: string;
  let hostedSessionId: string;

  beforeAll(async () => {
    [served, browser] = await Promise.all([startServe({ sessionSpeed: SPEED }), launchBrowser()]);
  }, 180_000);
  afterAll(async () => {
    await clinician?.context.close();
    await patient?.context.close();
    await browser?.close();
    expect(await served?.stop()).toBe(0);
  });

  it('a clinician hands the course over to home from the patient page, and sees the titrated current with its reason', async () => {
    clinician = await openPage(browser, { viewport: DESKTOP });
    const { page } = clinician;
    await signIn(page, served, 'clinician');
    alexId = await demoPatientId(page, served, PATIENT);
    await openForPatient(page, '/patient', alexId, PATIENT);
    const section = page.getByTestId('home-plan');
    await section.getByText('No home plan.').waitFor();
    await section.getByRole('button', { name: 'Hand over to home' }).click();
    const form = page.getByTestId('home-plan-form');
    await form.getByLabel(/Interval \(days\)/).waitFor();
    expect(await form.getByLabel(/Interval \(days\)/).inputValue()).toBe('14');
    // A pin outside the zone's range is refused in the form, naming the range.
    await form.getByLabel(/Pin the current/).fill('99');
    await form.getByText(/Enter a number from [\d.]+ to [\d.]+\./).waitFor();
    expect(await form.getByRole('button', { name: 'Hand over' }).isDisabled()).toBe(true);
    await form.getByLabel(/Pin the current/).fill('');
    await form.getByRole('button', { name: 'Hand over' }).click();
    await page.getByText('Home plan handed over.').waitFor();
    await expect.poll(() => section.getByTestId('home-plan-status').textContent()).toBe('Active');
    expect(await section.getByTestId('home-plan-current').textContent()).toMatch(/^[\d.]+ mA$/);
    await screenshot(page, 'home-plan-clinician');
    expect(addressIsClean(page)).toBe(true);
    expect(clinician.errors).toEqual([]);
  });

  it('the patient on a phone sees what is due and the current, runs the guided session and gets the waterline advice; a failed send keeps the form', async () => {
    patient = await openPage(browser, { viewport: PHONE });
    const { page } = patient;
    await signIn(page, served, 'patient');
    await page.getByTestId('home-card').waitFor();
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.locator('#main-nav').getByRole('link', { name: 'Home treatment', exact: true }).click();
    await page.getByRole('heading', { name: 'Home treatment', level: 1 }).waitFor();
    expect(await page.getByTestId('home-due-state').textContent()).toMatch(/due today|Overdue|Not due/);
    expect(await page.getByTestId('home-current').textContent()).toMatch(/^[\d.]+ mA$/);
    expect((await page.getByTestId('home-reason').textContent())?.length).toBeGreaterThan(10);
    await page.getByTestId('home-warning-signs').getByRole('listitem').first().waitFor();
    expect(await wider(page)).toEqual([]);
    await screenshot(page, 'home-phone');

    await page.getByRole('button', { name: 'Start session' }).click();
    const checklist = page.getByTestId('home-checklist');
    const start = checklist.getByRole('button', { name: 'Start the session' });
    const boxes = checklist.getByRole('checkbox');
    const n = await boxes.count();
    expect(n).toBeGreaterThanOrEqual(3);
    expect(await start.isDisabled()).toBe(true);
    for (let i = 0; i < n; i++) await boxes.nth(i).check();
    expect(await start.isEnabled()).toBe(true);
    await start.click();
    await page.getByRole('heading', { name: 'Home session', level: 1 }).waitFor();
    await page.getByTestId('session-ended').waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('session-ended').textContent()).toMatch(/complete/i);
    await page.getByTestId('session-post-steps').waitFor();
    hostedSessionId = await page.evaluate(() => (history.state as { sessionId: string }).sessionId);
    expect(addressIsClean(page)).toBe(true);

    const form = page.getByTestId('tolerance-form');
    await form.getByLabel('Tingling').check();
    await form.getByLabel('Discomfort (0 to 10)').fill('2');
    expect(await form.getByTestId('discomfort-value').textContent()).toBe('2');
    await form.getByLabel('Itching or irritation at the waterline').check();
    await form.getByLabel('Note (optional)').fill('Itchy along the water line');
    // No network for the first try: the form says so and keeps every answer.
    await page.route('**/api/sessions/*/tolerance', (r) => r.abort('internetdisconnected'));
    await form.getByRole('button', { name: 'Send' }).click();
    await form.getByTestId('tolerance-not-sent').waitFor();
    expect(await form.getByLabel('Tingling').isChecked()).toBe(true);
    expect(await form.getByLabel('Discomfort (0 to 10)').inputValue()).toBe('2');
    expect(await form.getByLabel('Itching or irritation at the waterline').isChecked()).toBe(true);
    expect(await form.getByLabel('Note (optional)').inputValue()).toBe('Itchy along the water line');
    await page.unroute('**/api/sessions/*/tolerance');
    await form.getByRole('button', { name: 'Send' }).click();
    const advice = form.locator('[data-advice="petroleum-jelly-waterline"]');
    await advice.waitFor();
    expect(await advice.textContent()).toMatch(/petroleum jelly/i);
    expect(await form.getByTestId('course-stopped').count()).toBe(0);
    expect(await wider(page)).toEqual([]);
    await screenshot(page, 'home-tolerance-advice');

    // The record reached the server once, with the session's engine events.
    const log = await page.request.get(`${served.url}/api/patients/${alexId}/tolerance`);
    expect(log.status()).toBe(200);
    const items = ((await log.json()) as { items: { session_id: string; entry: { findings: string[] } }[] }).items;
    expect(items.filter((r) => r.session_id === hostedSessionId)).toHaveLength(1);
    expect(items[0]!.entry.findings).toEqual(['waterline-irritation']);

    await page.getByRole('link', { name: 'Back to home treatment' }).click();
    await page.getByTestId('home-history').getByRole('listitem').first().waitFor();
    expect(patient.errors.filter((e) => !/ERR_INTERNET_DISCONNECTED/.test(e))).toEqual([]);
  });

  it('the weekly diary asks for the past seven days, saves the answers and stops asking', async () => {
    const { page } = patient;
    await page.getByTestId('home-diary-prompt').waitFor();
    await page.getByRole('button', { name: 'Fill in the diary' }).click();
    const form = page.getByTestId('diary-form');
    const days = form.locator('fieldset');
    expect(await days.count()).toBe(7);
    const save = form.getByRole('button', { name: /^Save/ });
    expect(await save.isDisabled()).toBe(true);
    for (let i = 0; i < 7; i++)
      await days
        .nth(i)
        .getByLabel(i === 3 ? 'Not dry' : 'Dry', { exact: true })
        .check();
    expect(await save.textContent()).toBe('Save 7 days');
    expect(await wider(page)).toEqual([]);
    await screenshot(page, 'home-diary');
    await save.click();
    await page.getByText('Diary saved.').waitFor();
    expect(await page.getByTestId('home-diary-prompt').count()).toBe(0);
    const outcomes = await page.request.get(`${served.url}/api/patients/${alexId}/outcomes?limit=50`);
    expect(outcomes.status()).toBe(200);
    const diary = ((await outcomes.json()) as { items: { kind: string; value: { dry?: boolean } }[] }).items.filter(
      (o) => o.kind === 'diary',
    );
    expect(diary).toHaveLength(7);
    expect(diary.filter((d) => d.value.dry === false)).toHaveLength(1);
  });

  it('the printable summary lists the session, and the PDF summary downloads', async () => {
    const { page } = patient;
    await page.getByRole('link', { name: 'Printable view' }).click();
    await page.getByRole('heading', { name: 'Home treatment summary', level: 1 }).waitFor();
    const rows = page.getByTestId('summary-sessions').locator('tbody tr');
    expect(await rows.count()).toBeGreaterThanOrEqual(1);
    await page.getByText('Itching or irritation at the waterline').first().waitFor();
    expect(await wider(page)).toEqual([]);
    await screenshot(page, 'home-summary');
    const pdf = await page.request.get(`${served.url}/api/home/summary.pdf`);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toContain('application/pdf');
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
    expect(addressIsClean(page)).toBe(true);
  });

  it('a burn recorded for an offline session stops the course: the banner says to contact the clinic and Start is disabled', async () => {
    const { page } = patient;
    const token = await csrf(page, served);
    const session = (await (await page.request.get(`${served.url}/api/sessions/${hostedSessionId}`)).json()) as {
      protocol: string;
      zone: string;
      report: { target_mA: number; delivered_mAmin: number; duration_s: number };
    };
    const view = (await (await page.request.get(`${served.url}/api/home`)).json()) as { plan: { mode: string } };
    const endedAt = new Date(Date.now() - 3 * 3600_000);
    const startedAt = new Date(endedAt.getTime() - session.report.duration_s * 1000);
    const sessionClientId = randomUUID();
    const res = await page.request.post(`${served.url}/api/home/sync`, {
      headers: { 'x-csrf-token': token },
      data: {
        records: [
          {
            kind: 'session',
            client_id: sessionClientId,
            protocol: session.protocol,
            zone: session.zone,
            mode: view.plan.mode,
            started_at: startedAt.toISOString(),
            ended_at: endedAt.toISOString(),
            status: 'completed',
            target_mA: session.report.target_mA,
            delivered_mAmin: session.report.delivered_mAmin,
            report: session.report,
          },
          {
            kind: 'tolerance',
            client_id: randomUUID(),
            session_client_id: sessionClientId,
            entry: { sensation: 'pain', discomfort: 6, findings: ['burn'], engine_events: [] },
          },
        ],
      },
    });
    const body = await res.text();
    expect(res.status(), body).toBe(200);
    const results = (JSON.parse(body) as { results: { status: string }[] }).results;
    expect(results.map((r) => r.status)).toEqual(['created', 'created']);

    await page.getByRole('link', { name: 'Back to home treatment' }).click();
    await page.getByTestId('home-stopped').waitFor();
    expect(await page.getByTestId('home-stopped').textContent()).toMatch(/contact your clinic/i);
    expect(await page.getByRole('button', { name: 'Start session' }).isDisabled()).toBe(true);
    expect(await wider(page)).toEqual([]);
    await screenshot(page, 'home-stopped');
  });

  it('the clinician sees the burn in the tolerance log and resumes the plan after a review note', async () => {
    const { page } = clinician;
    await page.reload();
    await page.getByRole('heading', { name: PATIENT, level: 1 }).waitFor();
    const section = page.getByTestId('home-plan');
    await section.getByTestId('home-plan-stopped').waitFor();
    await section.getByTestId('tolerance-log').locator('[data-finding="burn"]').waitFor();
    const resume = section.getByRole('button', { name: 'Reviewed — resume' });
    expect(await resume.isDisabled()).toBe(true);
    await section.getByLabel(/Review note/).fill('Skin seen: superficial, healed. Resume at a lower current.');
    await resume.click();
    await page.getByText('The plan is active again.').waitFor();
    await expect.poll(() => section.getByTestId('home-plan-status').textContent()).toBe('Active');
    await screenshot(page, 'home-plan-resumed');
    // The clinician caps the current in place (the titration keeps the plan's sessions): the plan shows the cap and
    // the titrated current stays at or below it.
    await section.getByRole('button', { name: 'Change the current or interval' }).click();
    const adjust = section.getByTestId('home-plan-adjust');
    await adjust.getByLabel(/Cap the current/).fill('6');
    await adjust.getByRole('button', { name: 'Save the changes' }).click();
    await page.getByText('The plan is changed; the titration keeps the sessions so far.').waitFor();
    await expect.poll(() => section.getByTestId('home-plan-current').textContent()).toMatch(/^[\d.]+ mA$/);
    const capped = Number((await section.getByTestId('home-plan-current').textContent())!.replace(/[^\d.]/g, ''));
    expect(capped).toBeLessThanOrEqual(6);
    // Staff open the patient's home page from the plan: the patient's id travels in the history state only.
    await section.getByRole('link', { name: 'Open home treatment' }).click();
    await page.getByRole('heading', { name: 'Home treatment', level: 1 }).waitFor();
    expect(await page.getByTestId('home-current').textContent()).toMatch(/^[\d.]+ mA$/);
    expect(await page.getByTestId('home-history').getByRole('listitem').count()).toBe(2);
    expect(addressIsClean(page)).toBe(true);
    expect(clinician.errors).toEqual([]);

    const p = patient.page;
    await p.reload();
    await p.getByTestId('home-due').waitFor();
    expect(await p.getByTestId('home-stopped').count()).toBe(0);
    expect(await p.getByRole('button', { name: 'Start session' }).isEnabled()).toBe(true);
  });
});
