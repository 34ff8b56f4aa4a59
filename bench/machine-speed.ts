/**
 * How fast this machine is right now: a fixed single-threaded loop of the work the pipeline does
 * most (JSON parse and stringify of a reading, Map sets). On a shared VM the same loop can take a
 * third longer from one minute to the next; run this beside a benchmark to tell a slower build from
 * a slower machine.
 *
 *   npx tsx bench/machine-speed.ts [--runs 5]
 */
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const reading = JSON.stringify({
  sensorId: 'bench-c1.s22', segmentId: 'seg-12', ts: 1_764_000_000_000, intervalS: 60, lane: 1,
  counts: { motorbike: 20, car: 5, bus: 1, truck: 1, bicycle: 0, other: 0 }, speedKmh: 35, occupancy: 0.12, seq: 1,
});

function loopMs(): number {
  const started = performance.now();
  const recent = new Map<string, { seq: number }>();
  let bytes = 0;
  for (let i = 0; i < 1_500_000; i++) {
    const r = JSON.parse(reading) as { seq: number };
    r.seq = i;
    recent.set(`k${i % 5000}`, r);
    bytes += JSON.stringify(r).length;
  }
  if (bytes === 0) throw new Error('unreachable: keeps the loop from being optimised away');
  return performance.now() - started;
}

const times = Array.from({ length: Number(args.runs) }, loopMs);
process.stdout.write(`fixed loop: ${times.map((t) => t.toFixed(0)).join(' / ')} ms\n`);
