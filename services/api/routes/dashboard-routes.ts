import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';

const DASHBOARD_DIR = new URL('../dashboard/', import.meta.url);
export const DEFAULT_TIME_ZONE = 'Asia/Ho_Chi_Minh';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
};

/** The chart library, from the installed npm package (no CDN): found by Node's resolution, wherever node_modules is. */
const requireFromHere = createRequire(import.meta.url);
const VENDOR = [
  { url: '/dashboard/vendor/uPlot.iife.min.js', file: requireFromHere.resolve('uplot/dist/uPlot.iife.min.js') },
  { url: '/dashboard/vendor/uPlot.min.css', file: requireFromHere.resolve('uplot/dist/uPlot.min.css') },
];

/**
 * The page may load and call only this server: the dashboard must work in control rooms with no
 * internet, and the policy makes the browser refuse any external script, style, image or connection.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'self'",
].join('; ');

interface Asset {
  url: string;
  type: string;
  body: Buffer;
  etag: string;
}

function asset(url: string, body: Buffer, type: string): Asset {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  return { url, body, type, etag };
}

/**
 * Every file of the dashboard at its URL: index.html at `/`, each module and style sheet of
 * services/api/dashboard/ under /dashboard/, uPlot under /dashboard/vendor/, and the page's
 * settings at /dashboard/config.json. Read once at start-up: a few small files, no static-file package.
 */
function dashboardAssets(options: { timeZone: string }): Asset[] {
  const assets: Asset[] = [];
  for (const name of readdirSync(DASHBOARD_DIR).sort()) {
    const type = TYPES[extname(name)];
    if (!type) continue;
    const body = readFileSync(new URL(name, DASHBOARD_DIR));
    assets.push(asset(name === 'index.html' ? '/' : `/dashboard/${name}`, body, type));
  }
  for (const v of VENDOR) assets.push(asset(v.url, readFileSync(v.file), TYPES[extname(v.file)]!));
  const config = { timeZone: options.timeZone, languages: ['vi', 'en'], defaultLanguage: 'vi' };
  assets.push(asset('/dashboard/config.json', Buffer.from(JSON.stringify(config)), TYPES['.json']!));
  return assets;
}

/**
 * GET / — the operators' dashboard (DESIGN §8), its ES modules, style sheets and settings.
 * Responses carry a content hash as ETag with `Cache-Control: no-cache`: browsers revalidate
 * (304, no body) on each load, so an upgraded server never runs next to an old cached module.
 * Outside /api, so the page loads without an API key; its calls to /api carry the key.
 */
export function dashboardRoutes(options: { timeZone?: string | undefined } = {}): FastifyPluginAsync {
  const assets = dashboardAssets({ timeZone: options.timeZone ?? DEFAULT_TIME_ZONE });

  return async (app) => {
    for (const a of assets) {
      app.get(a.url, { schema: { hide: true } }, async (req, reply) => {
        reply
          .header('etag', a.etag)
          .header('cache-control', 'no-cache')
          .header('x-content-type-options', 'nosniff')
          .header('content-security-policy', CONTENT_SECURITY_POLICY);
        const ifNoneMatch = req.headers['if-none-match'];
        if (ifNoneMatch && ifNoneMatch.split(',').some((tag) => [a.etag, `W/${a.etag}`, '*'].includes(tag.trim()))) {
          return reply.code(304).send();
        }
        return reply.type(a.type).send(a.body);
      });
    }
  };
}
