/// <reference lib="dom" />
// The callbacks given to page.evaluate() and page.waitForFunction() run in the browser.
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { DEMO_PASSWORD, TEST_ADMIN, TEST_JWT_SECRET } from './support/test-app.js';
import { spawnApi, type SpawnedApi } from './support/spawn-api.js';

/** Screenshots of this test (git-ignored); `UPDATE_README_SCREENSHOT=1` also refreshes docs/dashboard.png. */
const OUTPUT_DIR = join(import.meta.dirname, '..', 'test-output');
const README_SCREENSHOT = join(import.meta.dirname, '..', 'docs', 'dashboard.png');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** What the page may log while the test exercises failures on purpose: the 401 and 403 answers, and the API being down. */
const EXPECTED_CONSOLE_ERRORS = /^Failed to load resource: (the server responded with a status of (401|403) |net::ERR_CONNECTION_REFUSED$)/;

const text = (page: Page, selector: string) => page.locator(selector).innerText();
const count = (value: string) => Number(value.replace(/[^\d]/g, ''));

/**
 * The dashboard in a real browser against the built API (dist/, as the image ships it): sign-in
 * failures, a live update after traffic, a reconnection after the API restarts, and phone width.
 */
describe('live admin dashboard in Chromium', () => {
  let cwd: string;
  let profile: string;
  let api: SpawnedApi;
  let context: BrowserContext;
  let port: number;
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  const requests: string[] = [];

  const env = () => ({
    PORT: String(port ?? 0),
    LOG_TO_FILE: 'false',
    DATABASE_URL: 'sqlite:data/db.sqlite',
    JWT_SECRET: TEST_JWT_SECRET,
    ADMIN_EMAIL: TEST_ADMIN.email,
    ADMIN_PASSWORD: TEST_ADMIN.password,
    DASHBOARD_STREAM_INTERVAL_MS: '500',
    METRICS_SLOW_MS: '20',
    LOGIN_RATE_LIMIT: '1000',
  });

  beforeAll(async () => {
    await mkdir(OUTPUT_DIR, { recursive: true });
    cwd = await mkdtemp(join(tmpdir(), 'mentorhub-dashboard-browser-'));
    profile = await mkdtemp(join(tmpdir(), 'mentorhub-chromium-profile-'));
    api = spawnApi(env(), cwd);
    port = await api.listening;
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 960 },
    });
    context.on('request', (request) => requests.push(request.url()));
    context.on('weberror', (error) => pageErrors.push(error.error().message));
    context.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
  });

  afterAll(async () => {
    await context?.close();
    await api?.stop();
    await rm(cwd, { recursive: true, force: true });
    await rm(profile, { recursive: true, force: true });
  });

  const base = () => `http://127.0.0.1:${port}`;
  const call = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${base()}${path}`, init);
    await response.arrayBuffer();
    return response.status;
  };

  async function signIn(page: Page, email: string, password: string) {
    await page.locator('#email').fill(email);
    await page.locator('#password').fill(password);
    await page.locator('#sign-in-form button').click();
  }

  it('signs in, shows live figures that follow generated traffic, reconnects after a restart, and fits a phone', async () => {
    const page = await context.newPage();
    await page.goto(`${base()}/admin/dashboard`);
    await page.locator('#sign-in').waitFor({ state: 'visible' });

    await signIn(page, TEST_ADMIN.email, 'wrong-password');
    await page.getByText('Wrong email or password.').waitFor();
    await signIn(page, 'student2@mentorhub.local', DEMO_PASSWORD);
    await page.getByText('This account is not an admin.').waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

    await signIn(page, TEST_ADMIN.email, TEST_ADMIN.password);
    await page.locator('#dashboard').waitFor({ state: 'visible' });
    await page.locator('#connection', { hasText: 'live' }).waitFor();
    await page.waitForFunction(() => /\d/.test(document.getElementById('total-requests')!.textContent));
    const token = await page.evaluate(() => sessionStorage.getItem('mentorhub.dashboard.token'));
    expect(token).toMatch(/^ey/);

    // A verified backup, then traffic: the backup card and the request figures must change on screen.
    const created = await fetch(`${base()}/api/v1/admin/backups`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(created.status).toBe(201);
    const { manifest } = (await created.json()) as { manifest: { name: string } };
    const verified = await fetch(`${base()}/api/v1/admin/backups/${manifest.name}/verify`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(verified.status).toBe(200);
    // Rounds of different sizes, each seen on screen before the next, so the chart has a shape.
    for (const [mentors, searches, missing] of [
      [40, 10, 5],
      [10, 2, 0],
      [60, 20, 3],
      [25, 5, 1],
    ]) {
      const before = count(await text(page, '#total-requests'));
      for (let i = 1; i <= mentors; i++) expect(await call(`/api/v1/mentors/${(i % 5) + 1}`)).toBe(200);
      for (let i = 0; i < searches; i++) expect(await call(`/api/v1/courses/search?q=data&limit=20`)).toBe(200);
      for (let i = 0; i < missing; i++) expect(await call(`/api/v1/no-such-route/${i}`)).toBe(404);
      await page.waitForFunction(
        (atLeast) => Number(document.getElementById('total-requests')!.textContent.replace(/[^\d]/g, '')) >= atLeast,
        before + mentors + searches + missing,
      );
    }
    await page.locator('#popular-endpoints', { hasText: '/api/v1/mentors/:id' }).waitFor();
    await page.locator('#backup-name', { hasText: 'mentorhub_backup_' }).waitFor();
    expect(await text(page, '#backup-stale')).toBe('fresh');
    expect(await text(page, '#cache-store')).toBe('in-memory');
    expect(await text(page, '#health-status')).toMatch(/^(healthy|degraded)$/);
    expect(await text(page, '#cpu')).toMatch(/%/);
    // The chart has points (one per event after the first).
    await page.waitForFunction(() => (window as unknown as ChartWindow).Chart.getChart('traffic-chart')!.data.labels!.length >= 8);
    await page.screenshot({ path: join(OUTPUT_DIR, 'dashboard-desktop.png') });
    if (process.env.UPDATE_README_SCREENSHOT) await copyFile(join(OUTPUT_DIR, 'dashboard-desktop.png'), README_SCREENSHOT);

    // The API goes away: the page says so, and comes back live once the API is back on the same port.
    expect(await api.stop()).toBe(0);
    await page.locator('#connection', { hasText: 'disconnected' }).waitFor();
    api = spawnApi(env(), cwd);
    expect(await api.listening).toBe(port);
    await page.locator('#connection', { hasText: 'live' }).waitFor({ timeout: 45_000 });
    await page.waitForFunction(() => /^#\d+$/.test(document.getElementById('sequence')!.textContent));

    // Phone width: one column, nothing wider than the screen.
    await page.setViewportSize({ width: 375, height: 812 });
    await page.waitForFunction(() => document.getElementById('total-requests')!.getBoundingClientRect().width > 0);
    // Chart.js resizes its canvas a frame after the viewport changes; until then the desktop width lingers.
    await page.waitForFunction(() => (window as unknown as ChartWindow).Chart.getChart('traffic-chart')!.width <= window.innerWidth);
    const overflow = await page.evaluate(() => ({
      document: document.documentElement.scrollWidth,
      body: document.body.scrollWidth,
      viewport: window.innerWidth,
      columns: getComputedStyle(document.querySelector('.grid')!).gridTemplateColumns.split(' ').length,
    }));
    expect(overflow.document).toBeLessThanOrEqual(overflow.viewport);
    expect(overflow.body).toBeLessThanOrEqual(overflow.viewport);
    expect(overflow.columns).toBe(1);
    await page.screenshot({ path: join(OUTPUT_DIR, 'dashboard-phone.png'), fullPage: true });

    // Signing out forgets the token and stops the stream.
    await page.locator('#sign-out').click();
    await page.locator('#sign-in').waitFor({ state: 'visible' });
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

    expect(pageErrors).toEqual([]);
    expect(consoleErrors.filter((message) => !EXPECTED_CONSOLE_ERRORS.test(message))).toEqual([]);
    expect(requests.filter((url) => !url.startsWith(`${base()}/`) && !url.startsWith('data:'))).toEqual([]);
    expect(requests.filter((url) => url.includes(token!))).toEqual([]);
  }, 120_000);
});

interface ChartWindow {
  Chart: { getChart(id: string): { width: number; data: { labels?: unknown[] } } | undefined };
}
