/**
 * The sweat-test laboratory, the protocol library and the settings in Chromium against a real `ionto serve`. Sessions
 * run 100× faster (--session-speed), so the two pilocarpine stimulations a sweat test needs complete in seconds and the
 * test walks from the order to a second clinician's verification and the PDF report.
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

const PRE_STEPS = ['infant-criteria', 'cleanse-skin', 'remove-jewellery', 'pilocarpine-anode', 'collector-ready'];

/** JSON API calls with the page's cookie and CSRF token, for what the UI under test does not do itself. */
async function apiOf(page: Page, served: Served) {
  const me = (await (await page.request.get(`${served.url}/api/auth/me`)).json()) as { csrfToken: string };
  const headers = { 'x-csrf-token': me.csrfToken, 'content-type': 'application/json' };
  return {
    get: async <T>(path: string): Promise<T> => {
      const r = await page.request.get(served.url + path);
      expect(r.status(), `GET ${path}: ${await r.text()}`).toBe(200);
      return (await r.json()) as T;
    },
    post: async <T>(path: string, body: unknown): Promise<T> => {
      const r = await page.request.post(served.url + path, { headers, data: JSON.stringify(body) });
      expect(r.status(), `POST ${path}: ${await r.text()}`).toBeLessThan(300);
      return (await r.json()) as T;
    },
  };
}

const noHorizontalScroll = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

describe('sweat tests, protocols and settings in Chromium against ionto serve', { timeout: 120_000 }, () => {
  let served: Served;
  let browser: Browser;
  beforeAll(async () => {
    [served, browser] = await Promise.all([startServe({ sessionSpeed: 300 }), launchBrowser()]);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    expect(await served?.stop()).toBe(0);
  });

  it('orders a sweat test, refuses precautions until accepted, and walks it to a second clinician’s verification and the PDF report', async () => {
    const { page, context, errors } = await openPage(browser);
    await signIn(page, served, 'clinician');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sweat tests' }).click();
    await page.getByRole('heading', { name: 'Sweat tests', level: 1 }).waitFor();

    // Order for a demo patient.
    await page.getByLabel(/^Patient/).selectOption({ label: 'Demo Patient Alex' });
    await page.getByLabel('Indication').fill('positive newborn screen');
    await page.getByRole('button', { name: 'Order the test' }).click();
    await page.getByRole('heading', { name: 'Sweat test: Demo Patient Alex' }).waitFor();
    expect(addressIsClean(page)).toBe(true);
    expect(new URL(page.url()).pathname).toBe('/sweat-tests');

    // Eligibility: every item answered; a precaution (pacemaker) is refused until the physician's acceptance.
    await page.getByLabel(/^Weight \(kg\)/).fill('70');
    const items = page.locator('fieldset').filter({ has: page.getByRole('radio') });
    const count = await items.count();
    expect(count).toBe(10);
    await page.getByRole('button', { name: 'Assess eligibility' }).click();
    expect(await page.getByText('Answer yes or no.').count()).toBe(count);
    for (let i = 0; i < count; i++) await items.nth(i).getByRole('radio', { name: 'No' }).check();
    await page
      .getByRole('group', { name: /Pacemaker, defibrillator/ })
      .getByRole('radio', { name: 'Yes' })
      .check();
    await page.getByRole('button', { name: 'Assess eligibility' }).click();
    await page.getByText('Confirm that the requesting physician accepts the precautions, or stop here.').waitFor();
    await page.getByLabel('The requesting physician accepts these precautions').check();
    await page.getByRole('button', { name: 'Assess eligibility' }).click();
    await page.getByText('Eligible: the test may go ahead.').waitFor();
    expect(await page.getByTestId('lab-eligibility').textContent()).toContain('accepted by the requesting physician');

    // The worklist shows the test in progress.
    await page.getByRole('button', { name: 'Back to the worklist' }).click();
    const row = page.getByTestId('lab-worklist').getByRole('row').filter({ hasText: 'Demo Patient Alex' });
    await row.waitFor();
    expect(await row.textContent()).toContain('In progress');
    await screenshot(page, 'sweat-tests');
    await row.getByRole('button', { name: 'Open the sweat test of Demo Patient Alex' }).click();

    // "Start the stimulation" hands over to the session page with ids in the history state only. That page is not
    // under test here: errors are checked on this file's pages only.
    expect(errors).toEqual([]);
    await page.getByRole('button', { name: 'Start the stimulation of the Left arm' }).click();
    await page.waitForURL(`${served.url}/session`);
    expect(addressIsClean(page)).toBe(true);
    const handed = (await page.evaluate(() => history.state)) as Record<string, string>;
    expect(handed).toMatchObject({ protocolId: 'pilocarpine-sweat-test', arm: 'left' });
    expect(handed.sweatTestId).toMatch(/\S/);
    await page.goBack();
    await page.getByRole('heading', { name: 'Sweat test: Demo Patient Alex' }).waitFor();
    const before = errors.length;

    // Two pilocarpine stimulations through the API (the live session page is another page's test).
    const api = await apiOf(page, served);
    const patientId = handed.patientId!;
    await api.post(`/api/patients/${patientId}/screenings`, {
      protocol: 'pilocarpine-sweat-test',
      answers: {
        pacemaker: false,
        pregnancy: false,
        breastfeeding: false,
        epilepsy: false,
        'metal-implant-in-path': false,
        'heart-disease': false,
        iud: false,
        cancer: false,
        fever: false,
        'wound-at-site': false,
        'vascular-disease': false,
        'skin-irritation': false,
        'impaired-sensation': false,
        'agent-allergy': false,
        age_years: 32,
      },
    });
    for (let i = 0; i < 2; i++) {
      const s = await api.post<{ id: string }>('/api/sessions', {
        patient_id: patientId,
        protocol: 'pilocarpine-sweat-test',
        confirmed_steps: PRE_STEPS,
      });
      const deadline = Date.now() + 30_000;
      for (;;) {
        const now = await api.get<{ status: string }>(`/api/sessions/${s.id}`);
        if (now.status === 'completed') break;
        expect(now.status).toBe('running');
        expect(Date.now()).toBeLessThan(deadline);
        await page.waitForTimeout(250);
      }
    }
    await page.reload();
    await page.getByRole('heading', { name: 'Sweat test: Demo Patient Alex' }).waitFor();

    const left = page.getByTestId('lab-side-left');
    const right = page.getByTestId('lab-side-right');
    // Link a completed session to each arm; the right arm is offered only the session the left did not take.
    await left.getByLabel(/^Completed stimulation session/).selectOption({ index: 1 });
    await left.getByRole('button', { name: 'Link this session' }).click();
    await left.getByText('Stimulated', { exact: true }).waitFor();
    expect(
      await right
        .getByLabel(/^Completed stimulation session/)
        .locator('option')
        .count(),
    ).toBe(2);
    await right.getByLabel(/^Completed stimulation session/).selectOption({ index: 1 });
    await right.getByRole('button', { name: 'Link this session' }).click();
    await right.getByText('Stimulated', { exact: true }).waitFor();
    // The stimulation's delivered charge against the protocol's 7.5 mA·min (its ramp-down adds a little).
    expect(await left.textContent()).toMatch(/7\.5\d of 7\.50 mA·min/);

    // Left: a collection with the running 30-minute countdown, then a sample below 15 µL: QNS.
    await left.getByRole('button', { name: 'Start the collection timer' }).click();
    const timer = page.getByTestId('lab-timer-left').getByRole('timer');
    await timer.waitFor();
    expect(await timer.textContent()).toMatch(/^(30:00|29:[0-5]\d)$/);
    await left.getByRole('button', { name: 'End the collection' }).click();
    await left.getByLabel(/^Sweat volume/).fill('10');
    await left.getByText('Below 15 µL: this sample is QNS').waitFor();
    await left.getByRole('button', { name: 'Record the sample' }).click();
    await page.getByTestId('lab-qns-left').waitFor();
    expect(await left.getByRole('button', { name: 'Record the result' }).count()).toBe(0);

    // Right: gauze, a sufficient weight, and a chloride consistent with CF.
    await right.getByLabel('Collection method').selectOption('gauze');
    await right.getByRole('button', { name: 'Start the collection timer' }).click();
    await right.getByRole('button', { name: 'End the collection' }).click();
    await right.getByLabel(/^Sweat weight/).fill('120');
    await right.getByRole('button', { name: 'Record the sample' }).click();
    await right.getByLabel(/^Chloride/).fill('65');
    await right.getByRole('button', { name: 'Record the result' }).click();
    await page.getByRole('heading', { name: '3. Result' }).waitFor();
    expect(await page.getByTestId('lab-result').first().textContent()).toContain('Consistent with CF');
    await page.getByText('Repeat required').waitFor();

    // The clinician who entered the result may not verify it, and the page says so.
    await page.getByText('You entered a result of this test: a different clinician must verify it.').waitFor();
    expect(await page.getByRole('button', { name: 'Verify the result' }).count()).toBe(0);

    // The report opens as a PDF.
    const href = await page.getByRole('link', { name: 'Open the report (PDF)' }).getAttribute('href');
    const pdf = await page.request.get(served.url + href!);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
    await screenshot(page, 'sweat-test-completed');

    // The printed summary is the record without the navigation, the forms or the report buttons.
    await page.emulateMedia({ media: 'print' });
    expect(await page.getByRole('navigation', { name: 'Main' }).isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: 'Print this summary' }).isVisible()).toBe(false);
    expect(await page.getByRole('heading', { name: '3. Result' }).isVisible()).toBe(true);
    expect(await page.getByTestId('lab-result').first().isVisible()).toBe(true);
    await page.emulateMedia({ media: 'screen' });
    expect(errors.slice(before)).toEqual([]);
    await context.close();

    // A second clinician, created by the admin, verifies it.
    const admin = await openPage(browser);
    await signIn(admin.page, served, 'admin');
    const adminApi = await apiOf(admin.page, served);
    await adminApi.post('/api/users', {
      email: 'second.clinician@demo-clinic.test',
      password: 'a second clinician password',
      role: 'clinician',
    });
    await admin.context.close();
    const second = await openPage(browser);
    await second.page.goto(served.url + '/');
    await second.page.getByLabel(/Email/).fill('second.clinician@demo-clinic.test');
    await second.page.getByLabel(/Password/).fill('a second clinician password');
    await second.page.getByRole('button', { name: 'Sign in' }).click();
    await second.page.getByRole('link', { name: 'Sweat tests' }).click();
    await second.page.getByRole('button', { name: 'Open the sweat test of Demo Patient Alex' }).click();
    await second.page.getByRole('button', { name: 'Verify the result' }).click();
    await second.page
      .getByTestId('lab-verified')
      .getByText(/^Verified by you on /)
      .waitFor();
    expect(second.errors).toEqual([]);
    await second.context.close();
  });

  it('on a phone the worklist and a test fit the screen without sideways scrolling', async () => {
    const { page, context, errors } = await openPage(browser, { viewport: PHONE });
    await signIn(page, served, 'nurse');
    const api = await apiOf(page, served);
    const patients = await api.get<{ items: { id: string; name: string }[] }>('/api/patients');
    const sam = patients.items.find((p) => p.name === 'Demo Patient Sam')!;
    await api.post(`/api/patients/${sam.id}/sweat-tests`, { indication: null });
    await page.goto(served.url + '/sweat-tests');
    const open = page.getByRole('button', { name: 'Open the sweat test of Demo Patient Sam' });
    await open.waitFor();
    expect(await noHorizontalScroll(page)).toBe(true);
    await open.click();
    await page.getByRole('button', { name: 'Assess eligibility' }).waitFor();
    expect(await noHorizontalScroll(page)).toBe(true);
    await screenshot(page, 'lab-phone');

    // An allergy to pilocarpine refuses the test: it ends as not eligible and offers no stimulation.
    await page.getByLabel(/^Weight \(kg\)/).fill('64.5');
    const items = page.locator('fieldset').filter({ has: page.getByRole('radio') });
    for (let i = 0; i < (await items.count()); i++) await items.nth(i).getByRole('radio', { name: 'No' }).check();
    await page
      .getByRole('group', { name: /Allergy to pilocarpine/ })
      .getByRole('radio', { name: 'Yes' })
      .check();
    await page.getByText('An item that refuses the test is answered yes').waitFor();
    await page.getByRole('button', { name: 'Assess eligibility' }).click();
    await page.getByText('This test ends here. Order a new one when the patient qualifies.').waitFor();
    expect(await page.getByTestId('lab-eligibility').textContent()).toContain('Allergy to pilocarpine');
    expect(await page.getByRole('button', { name: /Start the stimulation/ }).count()).toBe(0);
    expect(await page.getByText('Not eligible', { exact: true }).count()).toBeGreaterThan(0);
    expect(await noHorizontalScroll(page)).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('lists every protocol, filters by use, and shows each number of a protocol with its unit and source', async () => {
    const { page, context, errors } = await openPage(browser);
    await signIn(page, served, 'patient');
    const all = (await (await page.request.get(`${served.url}/api/protocols`)).json()) as {
      items: { id: string; purpose: string }[];
    };
    expect(all.items.length).toBeGreaterThanOrEqual(15);
    await page.getByRole('link', { name: 'Protocols' }).click();
    const list = page.getByTestId('protocol-list').locator('> li');
    await list.first().waitFor();
    expect(await list.count()).toBe(all.items.length);
    await screenshot(page, 'protocols');

    await page.getByLabel('Use').selectOption('diagnostic');
    const diagnostic = all.items.filter((p) => p.purpose === 'diagnostic').map((p) => p.id);
    await page.getByText(`${diagnostic.length} protocols`).waitFor();
    expect(await list.evaluateAll((els) => els.map((e) => e.getAttribute('data-protocol')))).toEqual(diagnostic);

    await page.getByRole('button', { name: 'Pilocarpine iontophoresis for the CF sweat test' }).click();
    await page.getByRole('heading', { name: 'Pilocarpine iontophoresis for the CF sweat test', level: 1 }).waitFor();
    expect(addressIsClean(page)).toBe(true);
    const area = page.locator('[data-zone="forearm"] tr[data-quantity="area_cm2"]');
    expect(await area.locator('td').first().textContent()).toBe('5 cm²');
    expect(await area.locator('td').nth(1).textContent()).toContain('[13] 1.5 mA × 5 min over 5 cm²');
    const dose = page.locator('[data-zone="forearm"] tr[data-quantity="dose_mAmin"]');
    expect(await dose.textContent()).toContain('7.5 mA·min');
    expect(await dose.locator('[data-flag="derived"]').count()).toBe(1);
    expect(await page.locator('[data-flag="design"]').count()).toBeGreaterThan(0);
    await screenshot(page, 'protocol-detail');

    // Switching the language changes the headings.
    await page.getByRole('heading', { name: 'Contraindications' }).waitFor();
    await page.getByLabel('Language', { exact: true }).selectOption('fr');
    await page.getByRole('heading', { name: 'Contre-indications' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Avant la séance' }).isVisible()).toBe(true);
    await page.getByLabel('Langue', { exact: true }).selectOption('it');
    await page.getByRole('heading', { name: 'Controindicazioni' }).waitFor();
    await page.getByLabel('Lingua', { exact: true }).selectOption('en');

    // A value without a checked publication carries a visible UNVERIFIED flag.
    await page.getByRole('button', { name: 'Back to the protocols' }).click();
    await list.first().waitFor();
    await page.locator('[data-protocol="glucose-extraction"] button').click();
    const flag = page.locator('[data-flag="unverified"]').first();
    await flag.waitFor();
    expect(await flag.textContent()).toBe('UNVERIFIED');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('creates a personal token shown once that works for scripts, then revokes it after a confirmation', async () => {
    const { page, context, errors } = await openPage(browser);
    await signIn(page, served, 'clinician');
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Personal API tokens' }).waitFor();
    await page.getByRole('button', { name: 'Create the token' }).click();
    await page.getByText('Give the token a name, so you know later what uses it.').waitFor();
    await page.getByLabel(/^Name/).fill('nightly export');
    await page.getByRole('button', { name: 'Create the token' }).click();
    const secret = page.getByTestId('secret-once').getByLabel('Token');
    await secret.waitFor();
    const token = await secret.inputValue();
    expect(token).toMatch(/^ionto_u_[A-Za-z0-9_-]{43}$/);
    await screenshot(page, 'settings');

    // A script sends the token alone (the server refuses a token together with a session cookie).
    const asScript = () => fetch(`${served.url}/api/account`, { headers: { authorization: `Bearer ${token}` } });
    const me = await asScript();
    expect(me.status).toBe(200);
    expect(((await me.json()) as { email: string }).email).toBe(served.emails.clinician);

    // Shown once: gone after "I have saved it" and after a reload.
    await page.getByRole('button', { name: 'I have saved it' }).click();
    await page.getByTestId('token-list').getByText('nightly export').waitFor();
    expect(await page.content()).not.toContain(token);
    await page.reload();
    await page.getByTestId('token-list').getByText('nightly export').waitFor();
    expect(await page.content()).not.toContain(token);

    await page.getByRole('button', { name: 'Revoke the token nightly export' }).click();
    await page.getByText(/^Revoke nightly export\? Scripts that use it stop working at once/).waitFor();
    await page.getByRole('button', { name: 'Revoke the token', exact: true }).click();
    await page.getByText('The token nightly export is revoked.').waitFor();
    await page.getByText('You have no tokens. Create one below when a script needs it.').waitFor();
    expect((await asScript()).status).toBe(401);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('an admin adds a simulated device, sees its token once, and renews it after a confirmation', async () => {
    const { page, context, errors } = await openPage(browser);
    await signIn(page, served, 'admin');
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Devices of the clinic' }).waitFor();
    const devices = page.getByTestId('device-list');
    await devices.getByText('Demo simulated device').waitFor();
    await page.getByLabel('Kind').selectOption('simulated');
    await page.getByLabel(/^Name/).last().fill('Bench simulator');
    await page.getByRole('button', { name: 'Add the device' }).click();
    await page.getByText('Device Bench simulator added').waitFor();
    const token = await page.getByTestId('secret-once').getByLabel('Token').inputValue();
    expect(token).toMatch(/^ionto_d_[A-Za-z0-9_-]{43}$/);
    const asDevice = (tok: string) =>
      fetch(`${served.url}/api/devices/self`, { headers: { authorization: `Bearer ${tok}` } });
    expect(((await (await asDevice(token)).json()) as { name: string }).name).toBe('Bench simulator');
    const row = devices.getByRole('row').filter({ hasText: 'Bench simulator' });
    expect(await row.textContent()).toContain('this server');
    await screenshot(page, 'settings-devices');
    await page.getByRole('button', { name: 'I have saved it' }).click();
    expect(await page.content()).not.toContain(token);

    await row.getByRole('button', { name: 'Give Bench simulator a new token' }).click();
    await row.getByRole('button', { name: 'Renew the token' }).click();
    await page.getByText('New token for Bench simulator').waitFor();
    const renewed = await page.getByTestId('secret-once').getByLabel('Token').inputValue();
    expect(renewed).not.toBe(token);
    expect((await asDevice(token)).status).toBe(401);
    expect((await asDevice(renewed)).status).toBe(200);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("an admin sets a serial device's port on the server, refusing a path that is no port, and clears it", async () => {
    const { page, context, errors } = await openPage(browser);
    await signIn(page, served, 'admin');
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Devices of the clinic' }).waitFor();
    await page.getByLabel('Kind').selectOption('serial');
    await page.getByLabel(/^Name/).last().fill('Bench unit');
    await page.getByLabel('Port on this server').fill('ttyUSB0');
    await page.getByRole('button', { name: 'Add the device' }).click();
    await page.getByText('A port is an absolute path such as /dev/ttyUSB0, or COM3').waitFor();
    await page.getByLabel('Port on this server').fill('/dev/ttyUSB0');
    await page.getByRole('button', { name: 'Add the device' }).click();
    await page.getByText('Device Bench unit added').waitFor();
    await page.getByRole('button', { name: 'I have saved it' }).click();
    const row = page.getByTestId('device-list').getByRole('row').filter({ hasText: 'Bench unit' });
    expect(await row.textContent()).toContain('/dev/ttyUSB0');
    expect(await row.textContent()).toContain('this server');
    await screenshot(page, 'settings-serial-port');
    await row.getByRole('button', { name: 'Set the port of Bench unit' }).click();
    await row.getByLabel('Port of Bench unit on this server').fill('');
    await row.getByRole('button', { name: 'Save' }).click();
    await row.getByText('none').waitFor();
    expect(await row.textContent()).toContain('the computer it is plugged into');
    expect(errors).toEqual([]);
    await context.close();
  });
});
