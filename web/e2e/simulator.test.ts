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

/** Opens the simulator from the navigation (through the menu on a phone). */
async function openSimulator(page: Page, phone = false): Promise<void> {
  if (phone) await page.getByRole('button', { name: 'Menu' }).click();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Simulator' }).click();
  await page.getByRole('heading', { name: 'Simulator', level: 1 }).waitFor();
}

const points = async (page: Page, testId: string) => Number(await page.getByTestId(testId).getAttribute('data-points'));

describe('drug-delivery simulator page in Chromium against ionto serve', { timeout: 120_000 }, () => {
  let served: Served;
  let browser: Browser;
  beforeAll(async () => {
    [served, browser] = await Promise.all([startServe(), launchBrowser()]);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    expect(await served?.stop()).toBe(0);
  });

  it('runs a simulation and shows the delivered amount with units and the plotted depth profile', async () => {
    const { page, context, errors } = await openPage(browser);
    await signIn(page, served, 'clinician');
    await openSimulator(page);
    // The page says it is a model, with the sources of its numbers.
    const note = page.getByTestId('sim-model-note');
    await note.getByText('A model, not treatment advice').waitFor();
    expect(await note.textContent()).toMatch(/\[68\]/);
    await page.getByLabel(/^Drug/).selectOption({ label: 'Lidocaine hydrochloride' });
    await page.getByText(/Ion charge \+1, given from the anode/).waitFor();
    // The limits are shown as hints beside the fields.
    await page.getByText('Above 0 and at most 10 mA, and at most 1 mA per cm² of electrode.').waitFor();
    await page.getByText(/From 0\.5 to 200 cm²/).waitFor();
    await page.getByLabel(/^Current \(mA\)/).fill('2');
    await page.getByLabel(/^Time \(min\)/).fill('10');
    await page.getByText('Current density 0.2 mA/cm² · charge 20 mA·min').waitFor();
    await page.getByRole('button', { name: 'Run the simulation' }).click();
    const delivered = page.getByTestId('sim-delivered');
    await delivered.waitFor({ timeout: 30_000 });
    expect(await delivered.textContent()).toMatch(/^[\d,.]+ µg \([\d,.]+ µmol\)$/);
    expect(await page.getByTestId('sim-result').textContent()).toContain('Lidocaine hydrochloride: 2 mA for 10 min');
    expect(await points(page, 'sim-profile')).toBeGreaterThan(0);
    expect(await points(page, 'sim-timeline')).toBeGreaterThan(0);
    expect(await page.getByRole('img', { name: 'Drug concentration in the skin by depth' }).isVisible()).toBe(true);
    await page.getByText(/The vertical lines mark the layers: stratum corneum 0–15 µm/).waitFor();
    await screenshot(page, 'simulator-desktop');

    // A second run replaces the result: a longer time delivers more.
    const first = await delivered.textContent();
    await page.getByLabel(/^Time \(min\)/).fill('20');
    await page.getByRole('button', { name: 'Run the simulation' }).click();
    await page
      .getByTestId('sim-result')
      .getByText('Lidocaine hydrochloride: 2 mA for 20 min')
      .waitFor({ timeout: 30_000 });
    const amount = (s: string | null) => Number((s ?? '').split(' ')[0]!.replace(/,/g, ''));
    expect(amount(await delivered.textContent())).toBeGreaterThan(amount(first));
    expect(addressIsClean(page)).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a bad current shows the field’s error with the limit, and nothing is run', async () => {
    const { page, context, errors } = await openPage(browser);
    await signIn(page, served, 'patient');
    await openSimulator(page);
    const current = page.getByLabel(/^Current \(mA\)/);
    await current.fill('25');
    await page.getByText('Must be at most 10.', { exact: true }).waitFor();
    expect(await current.getAttribute('aria-invalid')).toBe('true');
    let requests = 0;
    page.on('request', (r) => {
      if (r.url().endsWith('/api/simulations/drug-delivery')) requests++;
    });
    await page.getByRole('button', { name: 'Run the simulation' }).click();
    await page.getByRole('alert').filter({ hasText: 'Correct the marked fields first.' }).waitFor();
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-invalid'))).toBe('true');
    // Within the current's own range but too dense for the electrode: the current names the density limit.
    await current.fill('5');
    await page.getByLabel(/^Electrode area/).fill('2');
    await page.getByText(/The current density would be 2\.5 mA\/cm², above the model’s 1 mA\/cm²/).waitFor();
    expect(requests).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('works on a phone-sized screen without horizontal scrolling', async () => {
    const { page, context, errors } = await openPage(browser, { viewport: PHONE });
    await signIn(page, served, 'patient');
    await openSimulator(page, true);
    await page.getByRole('button', { name: 'Run the simulation' }).click();
    await page.getByTestId('sim-delivered').waitFor({ timeout: 30_000 });
    expect(await points(page, 'sim-profile')).toBeGreaterThan(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await screenshot(page, 'simulator-phone');
    expect(errors).toEqual([]);
    await context.close();
  });
});
