import { describe, expect, it } from 'vitest';
import { loadRoadNetwork } from '../../../shared/network/load-network.ts';
import { resolveSimulateOptions } from '../../../simulators/cli/simulate-options.ts';
import { latestLocalWindow, parseDuration, parseTimeRange, parseTimeSpec } from '../../../simulators/cli/time-spec.ts';
import { dueAt, tickCount, type TimePlan } from '../../../simulators/fleet/time-plan.ts';
import { loadScenario, scenarioNames } from '../../../simulators/scenario/scenario-file.ts';

const network = loadRoadNetwork();
const NOW = Date.parse('2025-03-12T05:34:30Z'); // Wednesday 12:34:30 local

describe('time specs', () => {
  it('when durations are written with units, then they convert to ms', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('15')).toBe(15_000);
    expect(() => parseDuration('10 minutes')).toThrow(/not a duration/);
  });

  it('when times are relative, then they count from now', () => {
    expect(parseTimeSpec('now', NOW)).toBe(NOW);
    expect(parseTimeSpec('-20m', NOW)).toBe(NOW - 1_200_000);
    expect(parseTimeSpec('now-2h', NOW)).toBe(NOW - 7_200_000);
    expect(parseTimeRange('-20m..now', NOW)).toEqual({ fromMs: NOW - 1_200_000, toMs: NOW });
    expect(() => parseTimeRange('now..-1h', NOW)).toThrow(/before/);
  });

  it('when asking for the last weekday 07:00 peak from a Monday 06:00, then it is the previous Friday', () => {
    const mondaySix = Date.parse('2025-03-09T23:00:00Z'); // Monday 06:00 local
    expect(latestLocalWindow(mondaySix, '07:00', 3_600_000, { weekdayOnly: true })).toBe(Date.parse('2025-03-07T00:00:00Z'));
    expect(latestLocalWindow(NOW, '07:00', 3_600_000)).toBe(Date.parse('2025-03-12T00:00:00Z'));
  });
});

describe('pacing', () => {
  const plan: TimePlan = { mode: 'accelerated', startMs: NOW - 3_600_000, endMs: NOW, speedup: 60, allowFuture: false };

  it('when accelerated 60×, then an hour of readings goes out over a minute of real time', () => {
    expect(dueAt(plan, NOW, NOW - 3_600_000 + 600_000)).toBe(NOW + 10_000);
    expect(tickCount(plan, 60_000)).toBe(60);
  });

  it('when a paced reading would leave before its own ts, then it waits for the clock (unless allowed)', () => {
    const ahead: TimePlan = { ...plan, startMs: NOW };
    expect(dueAt(ahead, NOW, NOW + 600_000)).toBe(NOW + 600_000);
    expect(dueAt({ ...ahead, allowFuture: true }, NOW, NOW + 600_000)).toBe(NOW + 10_000);
    expect(dueAt({ ...plan, mode: 'backfill' }, NOW, NOW)).toBe(Number.NEGATIVE_INFINITY);
  });
});

describe('simulate command line', () => {
  it('when --backfill is given, then the run is a backfill of whole intervals ending by TO', () => {
    const o = resolveSimulateOptions(['--backfill=-20m..now', '--sensors', '30', '--seed', '7'], NOW, network);
    if (o === 'help') throw new Error('help');
    expect(o.plan).toMatchObject({ mode: 'backfill', startMs: Date.parse('2025-03-12T05:14:00Z'), endMs: NOW });
    expect(tickCount(o.plan, 60_000)).toBe(20);
    expect(o.fleet).toMatchObject({ sensors: 30, seed: 7 });
  });

  it('when --speedup has a duration, then the run starts in the past so that it ends now', () => {
    const o = resolveSimulateOptions(['--speedup', '60', '--duration', '1h'], NOW, network);
    if (o === 'help') throw new Error('help');
    // now − 1 h × (1 − 1/60) = 12:35:30 − 59 min, aligned down to the minute
    expect(o.plan).toMatchObject({ mode: 'accelerated', speedup: 60, startMs: Date.parse('2025-03-12T04:35:00Z') });
  });

  it('when a scenario is named, then its settings apply and the command line overrides them', () => {
    const o = resolveSimulateOptions(['--scenario', 'incident-ql13', '--seed', '9', '--backfill=-90m..now'], NOW, network);
    if (o === 'help') throw new Error('help');
    expect(o.fleet.seed).toBe(9);
    expect(o.fleet.sensors).toBe(21);
    expect(o.fleet.segments.map((s) => s.id)).toEqual(['ql13-nb-01', 'ql13-nb-02', 'ql13-nb-03', 'ql13-nb-04', 'ql13-nb-05', 'ql13-nb-06', 'ql13-nb-07']);
    expect(o.fleet.incidents).toEqual([{ segmentId: 'ql13-nb-04', lanesBlocked: 1, startMs: o.plan.startMs + 15 * 60_000, endMs: o.plan.startMs + 60 * 60_000 }]);
  });

  it('when an option is wrong, then the message names it', () => {
    expect(() => resolveSimulateOptions(['--sensors', '0'], NOW, network)).toThrow(/--sensors/);
    expect(() => resolveSimulateOptions(['--faults', 'gremlins=0.1'], NOW, network)).toThrow(/--faults/);
    expect(() => resolveSimulateOptions(['--incident', 'nowhere:1:0m:5m'], NOW, network)).toThrow(/unknown segment/);
  });

  it('when the bundled scenarios are loaded, then all three exist and validate', () => {
    expect(scenarioNames()).toEqual(expect.arrayContaining(['incident-ql13', 'morning-peak', 'sensor-storm']));
    for (const name of scenarioNames()) expect(() => loadScenario(name)).not.toThrow();
    expect(() => loadScenario('rush-hour-on-mars')).toThrow(/bundled: /);
  });
});
