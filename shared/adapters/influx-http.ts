import { z } from 'zod';
import { AppError } from '../errors/app-error.ts';
import type { Logger } from '../logging/create-logger.ts';

/**
 * The HTTP surface every InfluxDB version serves (1.x natively, 2.x and 3.x as v1 compatibility):
 * `POST /write` (line protocol) and `GET /query` (InfluxQL, JSON), plus `GET /ping`. Nothing here
 * buffers or retries: a write resolves only once InfluxDB answered 2xx, so the caller can commit.
 */
export interface InfluxConnectionOptions {
  /** Base URL, e.g. http://127.0.0.1:8086 */
  url: string;
  /** 1.x database; on 2.x/3.x the name a DBRP mapping (or the bucket name) resolves to a bucket. */
  database: string;
  retentionPolicy?: string;
  /** 2.x/3.x: sent as `Authorization: Token <token>`. */
  token?: string;
  /** 1.x: sent as HTTP basic auth (1.x reads it like the u/p parameters, without putting them in URLs). */
  username?: string;
  password?: string;
  /** Per request; default 10 s. */
  timeoutMs?: number;
}

export type Precision = 'ms' | 'ns';

/** One series of a statement result: `values[i][j]` belongs to `columns[j]`. */
export interface InfluxSeries {
  name: string;
  tags: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

const seriesSchema = z.object({
  name: z.string().default(''),
  tags: z.record(z.string(), z.string()).default({}),
  columns: z.array(z.string()),
  values: z.array(z.array(z.unknown())).default([]),
});
const queryResponseSchema = z.object({
  error: z.string().optional(),
  results: z
    .array(
      z.object({
        error: z.string().optional(),
        partial: z.boolean().optional(),
        series: z.array(seriesSchema).optional(),
      }),
    )
    .default([]),
});

export class InfluxHttp {
  private readonly base: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;

  constructor(
    private readonly options: InfluxConnectionOptions,
    private readonly log: Logger,
  ) {
    this.base = options.url.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.headers = authHeaders(options);
  }

  /** POST /write?db=…&precision=… with the lines as body; resolves on 2xx (1.x/2.x: 204). */
  async write(lines: readonly string[], precision: Precision): Promise<void> {
    if (lines.length === 0) return;
    const params = this.params({ precision });
    const res = await this.request('write', `/write?${params}`, {
      method: 'POST',
      headers: { ...this.headers, 'content-type': 'text/plain; charset=utf-8' },
      body: lines.join('\n'),
    });
    if (!res.ok) throw await httpError('write', res);
  }

  /**
   * One read-only InfluxQL statement via GET /query?q=… (the method 1.x, 2.x and 3.x all document
   * for SELECT), times as epoch ms; returns its series.
   */
  async query(statement: string): Promise<InfluxSeries[]> {
    const params = this.params({ epoch: 'ms', q: statement });
    const res = await this.request('query', `/query?${params}`, { method: 'GET', headers: this.headers });
    const [series] = await statementResults(res, 1);
    return series ?? [];
  }

  /**
   * Several read-only InfluxQL statements in one POST /query (1.x, and the v1 compatibility API of
   * 2.x and 3.x, take SELECTs as a form body too; a list of statements would not fit a URL); one
   * series list per statement, in order. Fails as a whole if any statement failed.
   */
  async queryMany(statements: readonly string[]): Promise<InfluxSeries[][]> {
    if (statements.length === 0) return [];
    const res = await this.request('query', `/query?${this.params({ epoch: 'ms' })}`, {
      method: 'POST',
      headers: { ...this.headers, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ q: statements.join(';\n') }).toString(),
    });
    return statementResults(res, statements.length);
  }

  /** GET /ping: 204 on 1.x/2.x (200 on 3.x). */
  async ping(): Promise<void> {
    const res = await this.request('ping', '/ping', { method: 'GET', headers: this.headers });
    if (!res.ok) throw await httpError('ping', res);
    await res.body?.cancel();
  }

  private params(extra: Record<string, string>): string {
    const p = new URLSearchParams({ db: this.options.database, ...extra });
    if (this.options.retentionPolicy) p.set('rp', this.options.retentionPolicy);
    return p.toString();
  }

  private async request(op: string, path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(this.base + path, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (cause) {
      // Connection refused/reset, DNS, timeout: InfluxDB is (for now) out of reach — worth a retry.
      const reason = cause instanceof Error ? describe(cause) : String(cause);
      this.log.warn({ op, url: this.base, err: reason }, 'InfluxDB unreachable');
      throw new AppError('store_unavailable', `InfluxDB ${op}: ${reason}`, { cause, retriable: true });
    }
  }
}

/** The series of each of `count` statement results, or the error InfluxDB reported. */
async function statementResults(res: Response, count: number): Promise<InfluxSeries[][]> {
  if (!res.ok) throw await httpError('query', res);
  let json: unknown;
  try {
    json = await res.json();
  } catch (cause) {
    // Cut off mid-body (timeout, reset) or not JSON at all: the next attempt may well succeed.
    throw new AppError('store_unavailable', 'InfluxDB query: response body unreadable', { cause, retriable: true });
  }
  const parsed = queryResponseSchema.safeParse(json);
  if (!parsed.success) throw new AppError('store_unavailable', 'InfluxDB query: unexpected response shape', { cause: parsed.error });
  const body = parsed.data;
  if (body.error !== undefined) throw new AppError('store_unavailable', `InfluxDB query: ${body.error}`, { retriable: false });
  const out: InfluxSeries[][] = [];
  for (let i = 0; i < count; i++) {
    const result = body.results[i];
    // 1.x answers 200 with the statement's error inside the body (e.g. "database not found: x").
    if (result?.error !== undefined) throw new AppError('store_unavailable', `InfluxDB query: ${result.error}`, { retriable: false });
    // `partial` means the server cut the result (max-row-limit): refuse rather than return less.
    if (result?.partial) {
      throw new AppError('store_unavailable', 'InfluxDB query: result truncated by the server (max-row-limit); narrow the range');
    }
    out.push(result?.series ?? []);
  }
  return out;
}

function authHeaders(o: InfluxConnectionOptions): Record<string, string> {
  // An empty variable (ROADPULSE_INFLUX_TOKEN= in a compose file) counts as not set.
  const token = o.token || undefined;
  const user = o.username || undefined;
  const password = o.password || undefined;
  if (token !== undefined && (user !== undefined || password !== undefined)) {
    throw new AppError('config_invalid', 'InfluxDB: give either a token (2.x/3.x) or a username and password (1.x), not both');
  }
  if (token !== undefined) return { authorization: `Token ${token}` };
  if (user !== undefined || password !== undefined) {
    const basic = Buffer.from(`${user ?? ''}:${password ?? ''}`, 'utf8').toString('base64');
    return { authorization: `Basic ${basic}` };
  }
  return {};
}

/**
 * Non-2xx → AppError with InfluxDB's own message. 5xx (and 429, 2.x/3.x rate limiting) are the
 * server's trouble and retriable; other 4xx (bad line protocol, field type conflict, unknown
 * database, bad credentials) will fail the same way again.
 */
async function httpError(op: string, res: Response): Promise<AppError> {
  const text = await res.text().catch(() => '');
  let message = text.trim();
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    const m = body.error ?? body.message;
    if (typeof m === 'string') message = m;
  } catch {
    // not JSON: keep the text
  }
  const retriable = res.status >= 500 || res.status === 429;
  return new AppError('store_unavailable', `InfluxDB ${op} failed (HTTP ${res.status}): ${message.slice(0, 500) || res.statusText}`, {
    retriable,
  });
}

function describe(err: Error): string {
  const cause = err.cause instanceof Error ? `: ${(err.cause as NodeJS.ErrnoException).code ?? err.cause.message}` : '';
  return `${err.name === 'TimeoutError' ? 'request timed out' : err.message}${cause}`;
}
