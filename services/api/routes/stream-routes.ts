import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { windowSchema } from '../../../shared/contract/congestion-record.ts';
import { idSchema } from '../../../shared/contract/telemetry.ts';
import { AppError } from '../../../shared/errors/app-error.ts';
import type { ApiDeps } from '../api-deps.ts';
import { startAlertFeed } from '../alert-feed.ts';
import { startCongestionFeed, type CongestionFilter } from '../congestion-feed.ts';

/** How long a browser waits before it reconnects (the SSE `retry:` field). */
const RETRY_MS = 5_000;
/** A comment line this often keeps proxies and idle-connection timers from closing the stream. */
const HEARTBEAT_MS = 15_000;
/** A client this far behind (unsent bytes) is dropped; it reconnects and starts again from live. */
const MAX_BUFFERED_BYTES = 1 << 20;

export const streamQuery = z.strictObject({
  window: windowSchema.optional().describe('only records of this window; default every window'),
  segment: idSchema.optional().describe('only records of this segment; default every segment'),
});

interface Client {
  res: ServerResponse;
  close(): void;
}

/**
 * GET /congestion/stream (DESIGN §8): server-sent events, one `congestion` event per record
 * published on traffic.congestion.v1 after the client connected (live only, without an `id:`), and
 * one `alert` event (with an `id:`) per event on traffic.alerts.v1 (issue 12). A client that
 * reconnects with Last-Event-ID gets the alert events it missed first, in order (alert-feed.ts).
 * One bus consumer per topic and API process feeds every client.
 */
export function streamRoutes(deps: ApiDeps): FastifyPluginAsyncZod {
  return async (app) => {
    const log = deps.log.child({ component: 'congestion-stream' });
    const feed = await startCongestionFeed({ bus: deps.bus, log: deps.log });
    const alertFeed = await startAlertFeed({ bus: deps.bus, log: deps.log });
    const clients = new Set<Client>();

    const heartbeat = setInterval(() => {
      for (const client of clients) write(client, ': heartbeat\n\n');
    }, HEARTBEAT_MS);
    heartbeat.unref();

    function write(client: Client, text: string): void {
      if (client.res.writableLength > MAX_BUFFERED_BYTES) {
        log.warn({ buffered: client.res.writableLength }, 'stream client too slow; disconnected');
        client.res.destroy();
        return;
      }
      client.res.write(text);
    }

    // fastify's close waits for open connections, and a stream never ends by itself: end them first.
    app.addHook('preClose', async () => {
      clearInterval(heartbeat);
      for (const client of clients) {
        client.close();
        client.res.end(': server closing\n\n');
      }
    });
    app.addHook('onClose', async () => {
      await feed.stop();
      await alertFeed.stop();
    });

    app.get(
      '/congestion/stream',
      {
        schema: {
          querystring: streamQuery,
          summary: 'Server-sent events: each congestion record as its window closes',
          description:
            'text/event-stream. Each record published after the connection (DESIGN §5) comes as `event: congestion` ' +
            'with the record as JSON in `data:`. Each congestion alert event (raised, acknowledged, cleared) comes as ' +
            '`event: alert` with an `id:` and the AlertEvent `{ "event": …, "alert": … }` as JSON in `data:` (the `segment` ' +
            'filter applies to alerts, `window` does not). Reconnecting with `Last-Event-ID` first sends the alert events missed ' +
            'since that id (from the last 1000), in order. A `: heartbeat` comment every 15 s; `retry:` 5 s.',
        },
      },
      async (req, reply) => {
        const filter: CongestionFilter = {};
        if (req.query.window) filter.window = req.query.window;
        if (req.query.segment) {
          if (!deps.query.network.byId.has(req.query.segment)) {
            throw new AppError('bad_request', `querystring segment: "${req.query.segment}" is not in the road network`);
          }
          filter.segmentId = req.query.segment;
        }

        // Headers set through fastify so far (CORS, rate limit) would be lost with the hijack: pass them on.
        const earlier = Object.entries(reply.getHeaders()).filter((e): e is [string, string | number | string[]] => e[1] !== undefined);
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          ...Object.fromEntries(earlier),
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          'x-accel-buffering': 'no', // nginx: do not buffer the stream
        });
        res.flushHeaders();

        let closed = false;
        const client: Client = {
          res,
          close() {
            if (closed) return;
            closed = true;
            unsubscribe();
            clients.delete(client);
            log.debug({ clients: clients.size }, 'stream client gone');
          },
        };
        const unsubscribeRecords = feed.subscribe(filter, (_record, json) => write(client, `event: congestion\ndata: ${json}\n\n`));
        // Written before any event, so that replayed alert events come after it.
        res.write(`retry: ${RETRY_MS}\n: live congestion records${describeFilter(filter)}\n\n`);
        const lastEventId = req.headers['last-event-id'];
        const unsubscribeAlerts = alertFeed.subscribe((e) => {
          if (filter.segmentId !== undefined && e.event.alert.segmentId !== filter.segmentId) return;
          write(client, `id: ${e.id}\nevent: alert\ndata: ${e.json}\n\n`);
        }, typeof lastEventId === 'string' && lastEventId !== '' ? lastEventId : undefined);
        const unsubscribe = () => {
          unsubscribeRecords();
          unsubscribeAlerts();
        };
        clients.add(client);
        res.on('close', () => client.close());
        if (res.destroyed) client.close(); // the client left before we got here
        log.debug({ filter, clients: clients.size }, 'stream client connected');
      },
    );
  };
}

function describeFilter(filter: CongestionFilter): string {
  const parts = [filter.window && `window=${filter.window}`, filter.segmentId && `segment=${filter.segmentId}`].filter(Boolean);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}
