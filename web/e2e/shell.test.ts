import type { Browser } from 'playwright-core';
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

describe('web app shell in Chromium against ionto serve', { timeout: 120_000 }, () => {
  let served: Served;
  let browser: Browser;
  beforeAll(async () => {
    [served, browser] = await Promise.all([startServe(), launchBrowser()]);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    expect(await served?.stop()).toBe(0);
  });

  it('asks to sign in first, refuses a wrong password with a message, then signs in to the dashboard', async () => {
    const { page, context, errors } = await openPage(browser);
    await page.goto(served.url + '/patients');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await screenshot(page, 'sign-in');
    await page.getByLabel(/Email/).fill(served.emails.nurse!);
    await page.getByLabel(/Password/).fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'The email or the password is wrong.' }).waitFor();
    await page.getByLabel(/Password/).fill(served.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    // The address asked for before signing in is the page shown after it.
    expect(new URL(page.url()).pathname).toBe('/patients');
    expect(await page.getByText(`Signed in as ${served.emails.nurse} (nurse)`).isVisible()).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('switching the language changes the page, and the choice outlives a reload', async () => {
    const { page, context, errors } = await openPage(browser);
    await signIn(page, served, 'clinician');
    await page.getByRole('link', { name: 'Protocols' }).waitFor();
    await page.getByLabel('Language').selectOption('fr');
    await page.getByRole('link', { name: 'Protocoles' }).waitFor();
    expect(await page.getByRole('button', { name: 'Se déconnecter' }).isVisible()).toBe(true);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('fr');
    await page.reload();
    await page.getByRole('link', { name: 'Protocoles' }).waitFor();
    await page.getByLabel('Langue').selectOption('it');
    await page.getByRole('link', { name: 'Protocolli' }).waitFor();
    expect(await page.getByRole('button', { name: 'Esci' }).isVisible()).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("takes the browser's language at first (fr-FR shows French, de-DE falls back to English)", async () => {
    const fr = await openPage(browser, { locale: 'fr-FR' });
    await fr.page.goto(served.url + '/');
    await fr.page.getByRole('heading', { name: 'Connexion' }).waitFor();
    await fr.context.close();
    const de = await openPage(browser, { locale: 'de-DE' });
    await de.page.goto(served.url + '/');
    await de.page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await de.context.close();
  });

  it('on a phone-sized screen the navigation opens from the menu button and every page path stays clean', async () => {
    const { page, context, errors } = await openPage(browser, { viewport: PHONE });
    await signIn(page, served, 'nurse');
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.isVisible()).toBe(false);
    const menu = page.getByRole('button', { name: 'Menu' });
    expect(await menu.getAttribute('aria-expanded')).toBe('false');
    await menu.click();
    expect(await nav.isVisible()).toBe(true);
    await screenshot(page, 'phone-menu');
    await nav.getByRole('link', { name: 'Patients' }).click();
    expect(await nav.isVisible()).toBe(false);
    expect(new URL(page.url()).pathname).toBe('/patients');
    expect(addressIsClean(page)).toBe(true);
    // No horizontal scrolling on a phone.
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('works from the keyboard: the first Tab reaches "Skip to content", and a followed link focuses the new page heading', async () => {
    const { page, context } = await openPage(browser);
    await signIn(page, served, 'nurse');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(new URL(page.url()).hash).toBe('#main');
    // Following a link within the app moves focus to the new page's heading, so a screen reader announces it.
    await page.getByRole('link', { name: 'Protocols' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.tagName === 'H1');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Protocols');
    await context.close();
  });

  it('an unknown page answers inside the app, and an unknown API path answers problem+json', async () => {
    const { page, context } = await openPage(browser);
    await signIn(page, served, 'nurse');
    await page.goto(served.url + '/no-such-page');
    await page.getByRole('heading', { name: 'This page does not exist.' }).waitFor();
    const api = await page.request.get(served.url + '/api/no-such-route');
    expect(api.status()).toBe(404);
    expect(api.headers()['content-type']).toContain('application/problem+json');
    await context.close();
  });

  it('serves the pages with a content security policy that allows this origin only and no framing', async () => {
    const { page, context } = await openPage(browser);
    const res = await page.goto(served.url + '/');
    const csp = res!.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res!.headers()['referrer-policy']).toBe('no-referrer');
    await context.close();
  });
});
