// Regenerates docs/dashboard.png, the README's picture of the dashboard: the embedded pipeline on
// free ports with a temporary data dir, six hours of simulated traffic (simulators/simulate.ts
// --backfill, with two incidents), headless Chromium at 1366×768 with one jammed segment picked.
//   npx tsx scripts/dashboard-screenshot.ts [--lang vi|en] [--out docs/dashboard.png]
// Needs /usr/bin/chromium (bash scripts/ensure-chromium.sh). Takes about a minute.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { loadConfig } from '../shared/config/load-config.ts';
import { configSchema } from '../shared/config/schema.ts';
import { createLogger } from '../shared/logging/create-logger.ts';
import { startEmbeddedPipeline } from '../services/embedded/embedded-pipeline.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const { values } = parseArgs({ options: { lang: { type: 'string', default: 'vi' }, out: { type: 'string', default: 'docs/dashboard.png' } } });
const PICKED = 'ql13-nb-04';

const dataDir = mkdtempSync(join(tmpdir(), 'roadpulse-screenshot-'));
const config = loadConfig(configSchema, {
  ROADPULSE_DATA_DIR: dataDir, ROADPULSE_MQTT_HOST: '127.0.0.1', ROADPULSE_MQTT_PORT: '0',
  ROADPULSE_HTTP_HOST: '127.0.0.1', ROADPULSE_HTTP_PORT: '0', ROADPULSE_LOG_LEVEL: 'warn',
});
const pipeline = await startEmbeddedPipeline(config, createLogger({ level: config.ROADPULSE_LOG_LEVEL }));
const base = `http://127.0.0.1:${pipeline.httpPort}`;
try {
  // The simulator in its own process (the broker runs in this one, so this one must not block).
  const simulator = spawn(
    process.execPath,
    ['--import', 'tsx', 'simulators/simulate.ts', '--url', `mqtt://127.0.0.1:${pipeline.mqttPort}`, '--backfill=-6h..now',
      '--sensors', '240', '--demand-scale', '2.4', '--incident', `${PICKED}:2:5h20m:50m`, '--incident', 'mptv-sb-02:2:5h30m:40m', '--sensor-faults', 'stuck=2,implausible=1,duplicate=1', '--stay-online'],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const code = await new Promise<number | null>((resolve) => simulator.on('exit', resolve));
  if (code !== 0) throw new Error(`simulator exited with ${code}`);

  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(`${base}/?lang=${values.lang}&window=15m`);
    await page.waitForSelector('body[data-ready="true"]');
    const point = await page.evaluate((id) => {
      const path = document.querySelector<SVGPathElement>(`path.seg[data-id="${id}"]`)!;
      const p = path.getPointAtLength(path.getTotalLength() / 2);
      const m = path.getScreenCTM()!;
      return { x: p.x * m.a + p.y * m.c + m.e, y: p.x * m.b + p.y * m.d + m.f };
    }, PICKED);
    await page.mouse.click(point.x, point.y);
    await page.waitForSelector('#chart canvas');
    await page.mouse.move(1000, 300); // no tooltip in the picture
    await page.waitForTimeout(800);
    await page.screenshot({ path: join(ROOT, values.out!) });
    process.stdout.write(`wrote ${values.out}\n`);
  } finally {
    await browser.close();
  }
} finally {
  await pipeline.close();
  rmSync(dataDir, { recursive: true, force: true });
}
