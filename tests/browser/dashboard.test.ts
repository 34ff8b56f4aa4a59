import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadRoadNetwork } from '../../shared/network/load-network.ts';
import { urbanLos } from '../../shared/traffic/index.ts';
import { REPO_ROOT, startInProcess, type InProcessPipeline } from '../helpers/embedded.ts';
import { getOk } from '../helpers/http.ts';
import { publishReadings } from '../helpers/mqtt.ts';
import type { TestReading } from '../helpers/readings.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 12 item 5 and its test: the dashboard in a real headless Chromium (Debian's, driven by
// playwright-core; scripts/ensure-chromium.sh installs it), on the real embedded pipeline: readings
// over real MQTT, the real aggregator closing the real 1-minute window, the live stream, uPlot.
vi.setConfig({ testTimeout: 30_000, hookTimeout: 60_000 });

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
  '--no-first-run', '--disable-component-update', '--disable-sync',
];
const VIEWPORT = { width: 1366, height: 768 };
/** The screen's own zone differs from the city's: every time shown must still be the city's. */
const BROWSER_TIME_ZONE = 'America/New_York';
const CITY_TIME_ZONE = 'Asia/Ho_Chi_Minh';
const ARTIFACTS = join(REPO_ROOT, 'tests/artifacts');
const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Routes of the APIs other parts of issue 12 add: the panels show "—" while they answer 404. */
const OPTIONAL_ROUTES = /^\/api\/v1\/(?:alerts(?:\?|\/|$)|sensor-health(?:\?|$))/;
/**
 * Alert thresholds short enough for a test (a 1m window jammed once raises at once). The names
 * are those the alerts branch is expected to use; unknown ROADPULSE_* variables are ignored until
 * then. The lead matches them to the alerts configuration at merge.
 */
const ALERT_ENV = { ROADPULSE_ALERT_WINDOW: '1m', ROADPULSE_ALERT_RAISE_AFTER_S: '0', ROADPULSE_ALERT_CLEAR_AFTER_S: '600' };

// ql13-nb-03: urban, 3 lanes, free flow 60 km/h. 11 km/h → speed ratio 0.183 → LOS F (DESIGN §5).
const JAMMED = 'ql13-nb-03';
const JAM_SPEED_KMH = 11;

interface PageLog {
  requests: string[];
  failed: string[];
  badResponses: { url: string; status: number }[];
  errors: string[];
}

/** Records what the page asks for and every error it shows in its console. */
function watch(page: Page, baseUrl: string): PageLog {
  const log: PageLog = { requests: [], failed: [], badResponses: [], errors: [] };
  page.on('request', (req) => log.requests.push(req.url()));
  page.on('requestfailed', (req) => {
    // A stream that the page (or the test's close) aborts is not a failure of the page.
    if (!/\/congestion\/stream/.test(req.url())) log.failed.push(`${req.url()} ${req.failure()?.errorText}`);
  });
  page.on('response', (res) => {
    const url = new URL(res.url());
    if (res.status() >= 400 && !(res.status() === 404 && url.origin === baseUrl && OPTIONAL_ROUTES.test(url.pathname + url.search))) {
      log.badResponses.push({ url: res.url(), status: res.status() });
    }
  });
  page.on('pageerror', (err) => log.errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg: ConsoleMessage) => {
    if (msg.type() !== 'error') return;
    const where = msg.location().url;
    const url = where ? new URL(where) : null;
    // Chromium logs each 404 as "Failed to load resource"; those of the optional routes are expected.
    if (url && url.origin === baseUrl && OPTIONAL_ROUTES.test(url.pathname + url.search) && /404/.test(msg.text())) return;
    log.errors.push(`console: ${msg.text()} (${where})`);
  });
  return log;
}

/** Clicks a map segment where its line really is (its midpoint), as an operator's mouse would. */
async function clickSegment(page: Page, segmentId: string): Promise<void> {
  const point = await page.evaluate((id) => {
    const path = document.querySelector<SVGPathElement>(`path.seg[data-id="${id}"]`);
    if (!path) return null;
    const p = path.getPointAtLength(path.getTotalLength() / 2);
    const m = path.getScreenCTM();
    if (!m) return null;
    return { x: p.x * m.a + p.y * m.c + m.e, y: p.x * m.b + p.y * m.d + m.f };
  }, segmentId);
  if (!point) throw new Error(`segment ${segmentId} is not on the map`);
  await page.mouse.click(point.x, point.y);
}

/** The city's wall clock for an instant, as the dashboard must show it ("08:05:09"). */
function cityClock(isoTime: string, timeZone = CITY_TIME_ZONE): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(new Date(isoTime));
}

describe('operator dashboard in a real browser (issue 12 item 5)', () => {
  let rp: InProcessPipeline;
  let context: BrowserContext;
  let userDataDir: string;
  let page: Page;
  let log: PageLog;

  beforeAll(async () => {
    // Must fail, not skip, on a machine without the browser: `npm test` installs it (scripts/ensure-chromium.sh).
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run 'bash scripts/ensure-chromium.sh' (npm test does)`);
    rp = await startInProcess({ env: { ROADPULSE_AGGREGATOR_GRACE_S: '1', ...ALERT_ENV } });
    userDataDir = mkdtempSync(join(tmpdir(), 'roadpulse-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      headless: true,
      viewport: VIEWPORT,
      timezoneId: BROWSER_TIME_ZONE,
      locale: 'en-US',
      offline: false,
    });
    page = context.pages()[0] ?? (await context.newPage());
    log = watch(page, rp.baseUrl);
  });

  afterAll(async () => {
    await context?.close();
    await rp?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  it(
    'when readings that jam a segment arrive over MQTT and the 1m window closes, then the open map turns it E/F without a reload, and a click on it draws its uPlot chart',
    async () => {
      await page.goto(`${rp.baseUrl}/?window=1m`);
      await page.waitForSelector('body[data-ready="true"]');
      await page.waitForSelector('#live[data-state="live"]');
      const segment = page.locator(`path.seg[data-id="${JAMMED}"]`);
      expect(await segment.getAttribute('data-los')).toBe('none');
      await page.evaluate(() => ((window as unknown as { loadedOnce: boolean }).loadedOnce = true)); // gone if the page reloads
      let navigations = 0;
      page.on('framenavigated', () => navigations++);

      // Publish well inside a minute, so the readings are stored before that minute's window closes.
      if (MINUTE - (Date.now() % MINUTE) < 8_000) await sleep(MINUTE - (Date.now() % MINUTE) + 200);
      const ts = Date.now() - 500;
      const end = Math.ceil(ts / MINUTE) * MINUTE; // the 1m window [end − 1 min, end) holds ts
      const network = loadRoadNetwork();
      const freeFlow = network.byId.get(JAMMED)!.freeFlowKmh;
      expect(urbanLos(JAM_SPEED_KMH / freeFlow)).toBe('F'); // the level shared/traffic gives these readings
      const readings: TestReading[] = [1, 2, 3].map((lane) => ({
        sensorId: `br-jam-${lane}`, segmentId: JAMMED, lane, ts, intervalS: 60,
        counts: { motorbike: 55, car: 12, bus: 1 }, speedKmh: JAM_SPEED_KMH, occupancy: 0.62, seq: 1,
      }));
      await publishReadings(rp.mqttUrl, readings);

      // The record of that window close reaches the page over the live stream (data-live-to is the
      // window end the stream reported; the 30 s poll would give "now" instead).
      await waitFor(async () => (await segment.getAttribute('data-live-to')) === iso(end), {
        timeoutMs: end - Date.now() + 20_000,
        intervalMs: 100,
        what: `the live record of ${JAMMED} for the window ending ${iso(end)}`,
      });
      expect(['E', 'F']).toContain(await segment.getAttribute('data-los'));
      expect(await segment.getAttribute('stroke')).toBe('#8b0a0a'); // F's colour on the map
      expect(await page.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce)).toBe(true);
      expect(navigations).toBe(0);

      await clickSegment(page, JAMMED);
      await expect.poll(() => segment.getAttribute('class')).toMatch(/\bselected\b/);
      const chart = page.locator('#chart');
      await chart.locator('.uplot canvas').waitFor({ state: 'visible' });
      const box = await chart.locator('.uplot canvas').boundingBox();
      expect(box!.width).toBeGreaterThan(300);
      expect(box!.height).toBeGreaterThan(100);
      expect(await chart.getAttribute('data-last-los')).toMatch(/^[EF]$/);
      expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThanOrEqual(6 * 12); // 6 h of 5 min buckets
      const legend = await chart.locator('.u-legend').innerText();
      expect(legend).toContain('Tốc độ (km/h)');
      expect(legend).toContain('Lưu lượng (PCU/h)');
      expect(legend).toContain('Mức phục vụ');
      await expect.poll(() => page.locator('#segment-card').isVisible()).toBe(true);
      expect(await page.locator('#segment-record .los').first().innerText()).toMatch(/^[EF]$/);

      mkdirSync(ARTIFACTS, { recursive: true });
      const screenshot = join(ARTIFACTS, 'dashboard.png');
      await page.screenshot({ path: screenshot });
      console.info(`dashboard screenshot: ${screenshot}`); // test artifact
    },
    MINUTE + 60_000,
  );

  it('when the dashboard is shown at 1366×768, then nothing scrolls sideways and the map, the panels and the chart are all on screen', async () => {
    const size = await page.evaluate(() => ({ w: document.documentElement.scrollWidth, h: document.documentElement.scrollHeight }));
    expect(size.w).toBeLessThanOrEqual(VIEWPORT.width);
    expect(size.h).toBeLessThanOrEqual(VIEWPORT.height);
    for (const selector of ['#map', '#alerts-card', '#health-card', '#chart-card', '#top-list', '.windows']) {
      const box = await page.locator(selector).boundingBox();
      expect(box, selector).not.toBeNull();
      expect(box!.width, selector).toBeGreaterThan(0);
      expect(box!.x + Math.min(box!.width, 40), selector).toBeLessThanOrEqual(VIEWPORT.width);
      expect(box!.y + Math.min(box!.height, 40), selector).toBeLessThanOrEqual(VIEWPORT.height);
    }
    const mapBox = (await page.locator('#map').boundingBox())!;
    expect(mapBox.width).toBeGreaterThan(600);
    expect(mapBox.height).toBeGreaterThan(250);
  });

  it('when times are shown, then they are the clock of Asia/Ho_Chi_Minh (ROADPULSE_TIMEZONE), not the browser zone', async () => {
    expect(await page.locator('#timezone').innerText()).toContain('Asia/Ho_Chi_Minh (GMT+7)');
    const shown = page.locator('#summary-window time');
    const datetime = (await shown.getAttribute('datetime'))!;
    expect(datetime).toMatch(/Z$/);
    expect(await shown.innerText()).toBe(cityClock(datetime));
    expect(cityClock(datetime)).not.toBe(cityClock(datetime, BROWSER_TIME_ZONE)); // would fail if the page used the browser's zone
    const updated = page.locator('#updated time');
    expect(await updated.innerText()).toContain(cityClock((await updated.getAttribute('datetime'))!));
  });

  it('when the panels whose APIs this server may not have are shown, then they show the data, or "—" where the route answers 404', async () => {
    const health = await fetch(`${rp.baseUrl}/api/v1/sensor-health`);
    await health.arrayBuffer();
    const counts = await page.locator('#health-counts .n').allInnerTexts();
    expect(counts).toHaveLength(7);
    if (health.status === 404) expect(counts).toEqual(Array(7).fill('—'));
    else expect(counts.every((c) => /^\d+$/.test(c))).toBe(true);
    const alerts = await fetch(`${rp.baseUrl}/api/v1/alerts?state=active`);
    await alerts.arrayBuffer();
    if (alerts.status === 404) expect(await page.locator('#alerts-list').innerText()).toBe('—');
  });

  it('when ?lang=en or ?lang=vi (the default) is asked for, then the labels are in that language, Vietnamese with its diacritics', async () => {
    const labels = async () => ({
      lang: await page.locator('html').getAttribute('lang'),
      alerts: await page.locator('#alerts-title [data-i18n]').innerText(),
      health: await page.locator('#health-title').innerText(),
      summary: await page.locator('#summary-title [data-i18n]').innerText(),
      legendA: (await page.locator('#legend li').first().innerText()).trim(),
      switchTo: (await page.locator('#lang-switch').innerText()).trim(),
    });
    // text-transform: uppercase in the CSS changes innerText; compare case-insensitively.
    const lower = (o: Record<string, string | null>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v?.toLowerCase()]));
    expect(lower(await labels())).toEqual(lower({ lang: 'vi', alerts: 'Cảnh báo', health: 'Tình trạng cảm biến', summary: 'Tổng quan thành phố', legendA: 'A — thông thoáng', switchTo: 'English' }));

    await page.goto(`${rp.baseUrl}/?lang=en&window=1m`);
    await page.waitForSelector('body[data-ready="true"]');
    expect(lower(await labels())).toEqual(lower({ lang: 'en', alerts: 'Alerts', health: 'Sensor health', summary: 'City summary', legendA: 'A — free flow', switchTo: 'Tiếng Việt' }));
    expect(await page.locator('#lang-switch').getAttribute('href')).toBe('?lang=vi&window=1m');

    await page.goto(`${rp.baseUrl}/?lang=vi&window=1m`);
    await page.waitForSelector('body[data-ready="true"]');
    expect((await labels()).lang).toBe('vi');
    await clickSegment(page, JAMMED);
    await page.locator('#segment-card').waitFor({ state: 'visible' });
    expect(await page.locator('#segment-record dt').first().innerText()).toBe('Mức phục vụ');
    await page.locator('#chart .uplot').waitFor();
  });

  it('when the page has run, then it asked only this server for anything, and nothing failed but the optional routes\' 404s', () => {
    expect(log.requests.length).toBeGreaterThan(0);
    expect(log.requests.filter((u) => new URL(u).origin !== rp.baseUrl)).toEqual([]);
    expect(log.failed).toEqual([]);
    expect(log.badResponses).toEqual([]);
    expect(log.errors).toEqual([]);
    const paths = new Set(log.requests.map((u) => new URL(u).pathname));
    for (const p of ['/dashboard/config.json', '/dashboard/vendor/uPlot.iife.min.js', '/api/v1/congestion/stream', `/api/v1/segments/${JAMMED}/history`]) {
      expect(paths, p).toContain(p);
    }
  });

  /*
   * NEEDS THE ALERTS API (issue 12 item 1: GET /api/v1/alerts, POST /api/v1/alerts/{id}/ack and the
   * stream's `alert` events), which is built on another branch. Skipped ONLY until that merge: the
   * lead enables it there (it.skip → it) and matches ALERT_ENV to the alerts configuration.
   */
  it.skip(
    'NEEDS ALERTS API — when a segment stays jammed, then its alert appears in the open panel without a reload, and "Xác nhận" acknowledges it',
    async () => {
      await page.goto(`${rp.baseUrl}/?window=1m`);
      await page.waitForSelector('body[data-ready="true"]');
      await page.waitForSelector('#live[data-state="live"]');
      await page.evaluate(() => ((window as unknown as { loadedOnce: boolean }).loadedOnce = true));

      // Jam the segment again for the next window close: with ALERT_ENV, one jammed 1m window raises.
      if (MINUTE - (Date.now() % MINUTE) < 8_000) await sleep(MINUTE - (Date.now() % MINUTE) + 200);
      const ts = Date.now() - 500;
      const end = Math.ceil(ts / MINUTE) * MINUTE;
      await publishReadings(rp.mqttUrl, [1, 2, 3].map((lane) => ({
        sensorId: `br-jam-${lane}`, segmentId: JAMMED, lane, ts, intervalS: 60,
        counts: { motorbike: 55, car: 12, bus: 1 }, speedKmh: JAM_SPEED_KMH, occupancy: 0.62, seq: 2,
      })));

      const item = page.locator(`#alerts-list li.alert-active[data-segment-id="${JAMMED}"]`);
      await item.waitFor({ state: 'visible', timeout: end - Date.now() + 30_000 });
      expect(await page.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce)).toBe(true); // no reload
      expect(await page.locator('#alerts-title').innerText()).toMatch(/1/); // "1 đang diễn ra"
      expect(await item.locator('.los').innerText()).toMatch(/^[EF]$/);
      const raised = item.locator('time').first();
      expect(await raised.innerText()).toBe(cityClock((await raised.getAttribute('datetime'))!));
      expect(await page.locator(`path.seg[data-id="${JAMMED}"]`).getAttribute('class')).toMatch(/\balerted\b/);

      const id = (await item.getAttribute('data-alert-id'))!;
      await item.locator('button.ack', { hasText: 'Xác nhận' }).click();
      await page.locator(`#alerts-list li.alert-acked[data-alert-id="${id}"]`).waitFor();
      const { alerts } = await getOk<{ alerts: { id: string; acknowledgedAt: string | null }[] }>(`${rp.baseUrl}/api/v1/alerts?state=active`);
      expect(alerts.find((a) => a.id === id)?.acknowledgedAt).toEqual(expect.any(String));
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-alert.png') });
    },
    MINUTE + 60_000,
  );
});
