// The dashboard's only way out: fetch to this server's API (and its settings file), and the live
// stream read with fetch rather than EventSource, so it can send the API key. Browser only.
import { parseSse } from './sse.js';

export const API_BASE = '/api/v1';
export const CONFIG_URL = '/dashboard/config.json';
const KEY_STORAGE = 'roadpulse.apiKey';
/** The server sends a heartbeat every 15 s; silence for this long means the connection is dead. */
const STREAM_SILENCE_MS = 45_000;
const DEFAULT_RETRY_MS = 5_000;

/** The server asked for an API key (401) or refused the one given (403). */
export class KeyRequired extends Error {
  constructor(status) {
    super(status === 403 ? 'this API key may not do that' : 'this server needs an API key');
    this.status = status;
  }
}

/** The route is not on this server (404): a panel shows "—" instead of failing. */
export class NotAvailable extends Error {}

async function request(url, init) {
  return fetch(url, init);
}

/** The page's settings (time zone, languages); defaults when the file cannot be read. */
export async function loadSettings() {
  try {
    const res = await request(CONFIG_URL, { headers: { accept: 'application/json' } });
    if (res.ok) return await res.json();
  } catch {
    // defaults below
  }
  return {};
}

/**
 * @param {{ onKeyRequired: (err: KeyRequired) => void }} hooks
 */
export function createApi({ onKeyRequired }) {
  let key = localStorage.getItem(KEY_STORAGE) ?? '';

  async function call(path, init = {}) {
    const headers = { accept: 'application/json', ...(init.headers ?? {}) };
    if (key) headers.authorization = `Bearer ${key}`;
    const res = await request(`${API_BASE}${path}`, { ...init, headers });
    if (res.status === 401 || res.status === 403) {
      const err = new KeyRequired(res.status);
      onKeyRequired(err);
      throw err;
    }
    return res;
  }

  async function json(res) {
    const body = await res.json().catch(() => ({}));
    if (res.status === 404) throw new NotAvailable(body.detail ?? 'not found');
    if (!res.ok) throw new Error(body.detail ?? `HTTP ${res.status}`);
    return body;
  }

  return {
    get key() {
      return key;
    },
    setKey(value) {
      key = value.trim();
      if (key) localStorage.setItem(KEY_STORAGE, key);
      else localStorage.removeItem(KEY_STORAGE);
    },
    async getJson(path) {
      return json(await call(path));
    },
    /** GET that answers null where the route does not exist (yet) on this server. */
    async getOptional(path) {
      try {
        return await json(await call(path));
      } catch (err) {
        if (err instanceof NotAvailable) return null;
        throw err;
      }
    },
    async postJson(path, body) {
      return json(await call(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) }));
    },

    /**
     * Follows a server-sent events route until stop(): reconnects after the server's `retry:`
     * delay, resumes with Last-Event-ID when events carry ids, and reports its state
     * ('connecting' | 'live' | 'reconnecting' | 'offline').
     */
    follow(path, { onEvent, onState }) {
      let stopped = false;
      let controller = null;
      let lastEventId;
      let retryMs = DEFAULT_RETRY_MS;
      (async () => {
        onState('connecting');
        while (!stopped) {
          controller = new AbortController();
          let silence;
          const expectSoon = () => {
            clearTimeout(silence);
            silence = setTimeout(() => controller.abort(), STREAM_SILENCE_MS);
          };
          try {
            const headers = { accept: 'text/event-stream' };
            if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
            const res = await call(path, { headers, signal: controller.signal, cache: 'no-store' });
            if (!res.ok || !res.body) throw new Error(`stream: HTTP ${res.status}`);
            onState('live');
            expectSoon();
            const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
            let buffered = '';
            for (;;) {
              const { value, done } = await reader.read();
              if (done) break;
              expectSoon();
              const { events, rest } = parseSse(buffered + value);
              buffered = rest;
              for (const ev of events) {
                if (ev.retry !== undefined) retryMs = ev.retry;
                if (ev.id !== undefined) lastEventId = ev.id;
                if (ev.data === undefined) continue;
                try {
                  onEvent(ev.event, JSON.parse(ev.data));
                } catch {
                  // one bad event does not end the stream
                }
              }
            }
          } catch (err) {
            if (err instanceof KeyRequired) {
              onState('offline');
              return;
            }
          } finally {
            clearTimeout(silence);
          }
          if (stopped) return;
          onState('reconnecting');
          await new Promise((resolve) => setTimeout(resolve, retryMs));
        }
      })();
      return {
        stop() {
          stopped = true;
          controller?.abort();
        },
      };
    },
  };
}
