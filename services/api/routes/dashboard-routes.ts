import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';

const DASHBOARD_DIR = new URL('../dashboard/', import.meta.url);

/** Every file of the dashboard, at its URL. Read once at start-up: three small files, no static-file package. */
const ASSETS = [
  { url: '/', file: 'index.html', type: 'text/html; charset=utf-8' },
  { url: '/dashboard/dashboard.js', file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  { url: '/dashboard/dashboard.css', file: 'dashboard.css', type: 'text/css; charset=utf-8' },
] as const;

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

/**
 * GET / — the operators' dashboard (DESIGN §8) and its script and style sheet. Responses carry a
 * content hash as ETag with `Cache-Control: no-cache`: browsers revalidate (304, no body) on each
 * load, so an upgraded server never runs next to an old cached script.
 */
export function dashboardRoutes(): FastifyPluginAsync {
  const assets = ASSETS.map((asset) => {
    const body = readFileSync(new URL(asset.file, DASHBOARD_DIR));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    return { ...asset, body, etag };
  });

  return async (app) => {
    for (const asset of assets) {
      app.get(asset.url, { schema: { hide: true } }, async (req, reply) => {
        reply
          .header('etag', asset.etag)
          .header('cache-control', 'no-cache')
          .header('x-content-type-options', 'nosniff')
          .header('content-security-policy', CONTENT_SECURITY_POLICY);
        const ifNoneMatch = req.headers['if-none-match'];
        if (ifNoneMatch && ifNoneMatch.split(',').some((tag) => [asset.etag, `W/${asset.etag}`, '*'].includes(tag.trim()))) {
          return reply.code(304).send();
        }
        return reply.type(asset.type).send(asset.body);
      });
    }
  };
}
