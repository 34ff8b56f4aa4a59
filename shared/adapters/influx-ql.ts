import { AppError } from '../errors/app-error.ts';

/**
 * InfluxQL building blocks. Queries are built only from ids that pass the telemetry id rule
 * (DESIGN §3: [A-Za-z0-9._-]) and from integer epoch ms, so nothing a sensor sends can change a
 * query's shape; quoting still escapes ' and \ (one place) in case the id rule is ever widened.
 */
const ID = /^[A-Za-z0-9._-]{1,64}$/;

/** A single-quoted InfluxQL string literal of a validated id. */
export function idLiteral(id: string): string {
  if (!ID.test(id)) throw new AppError('bad_request', `not a valid id for a store query: ${JSON.stringify(id)}`);
  return `'${id.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/** `time >= <from>ms AND time < <to>ms` — the port's half-open range. */
export function timeRange(range: { from: number; to: number }): string {
  return `time >= ${epochMs(range.from)} AND time < ${epochMs(range.to)}`;
}

function epochMs(ms: number): string {
  if (!Number.isSafeInteger(ms)) throw new AppError('bad_request', `not an integer epoch ms: ${ms}`);
  return `${ms}ms`;
}

/** `("tag" = 'a' OR "tag" = 'b')` */
export function anyOf(tag: string, ids: readonly string[]): string {
  return `(${ids.map((id) => `"${tag}" = ${idLiteral(id)}`).join(' OR ')})`;
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
