import type { RoadNetwork, RoadSegment } from '../../shared/network/road-segment.ts';
import { VEHICLE_CLASSES, type VehicleClass } from '../../shared/contract/vehicle-classes.ts';

/** "a=0.1,b=2" → { a: 0.1, b: 2 }; keys limited to `allowed` (default: the vehicle classes). */
export function parseKeyValues<K extends string = VehicleClass>(
  option: string,
  text: string,
  allowed: readonly K[] = VEHICLE_CLASSES as unknown as readonly K[],
): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  for (const pair of text.split(',')) {
    const [key, value, ...rest] = pair.split('=').map((s) => s.trim());
    const n = Number(value);
    if (!key || value === undefined || rest.length > 0 || !allowed.includes(key as K) || !Number.isFinite(n) || n < 0) {
      throw new Error(`--${option}: "${pair}" is not key=value with a key of ${allowed.join('|')} and a number ≥ 0`);
    }
    out[key as K] = n;
  }
  return out;
}

/** Segments whose id matches one of the patterns (`*` = any characters), in network order. */
export function selectSegments(network: RoadNetwork, patterns: readonly string[]): RoadSegment[] {
  const regexes = patterns.map((p) => new RegExp(`^${p.trim().split('*').map(escapeRegex).join('.*')}$`));
  const selected = network.segments.filter((s) => regexes.some((r) => r.test(s.id)));
  if (selected.length === 0) throw new Error(`no segment matches ${patterns.join(', ')}`);
  return selected;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * node:util parseArgs refuses `--backfill -20m..now` ("argument is ambiguous"): a value that
 * starts with a dash looks like an option to it. A relative time or a negative number ("-20m",
 * "-2h..now", "-5") after an option that takes a value is its value, so such pairs become
 * `--name=value` before parsing; everything else passes unchanged.
 */
export function joinDashValues(argv: readonly string[], options: Readonly<Record<string, { type: 'string' | 'boolean' }>>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    const name = arg.startsWith('--') && !arg.includes('=') ? arg.slice(2) : null;
    if (name !== null && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}
