import type { RoadNetwork } from '../shared/network/road-segment.ts';
import type { SimulateOptions } from './cli/simulate-options.ts';
import { summarise, type SimulateSummary } from './cli/simulate-report.ts';
import { FleetGenerator } from './fleet/fleet-generator.ts';
import { Ledger } from './fleet/ledger.ts';
import { FleetConnections } from './mqtt/fleet-connections.ts';
import { newRunStats, runFleet, type RunStats } from './mqtt/run-fleet.ts';

export interface SimulationRun {
  generator: FleetGenerator;
  ledger: Ledger;
  stats: RunStats;
  /** Resolves with the summary once every message is acknowledged and the connections closed. */
  done: Promise<SimulateSummary>;
}

/** Connects the fleet, runs the plan, says "offline" (unless --stay-online) and disconnects. The CLI and the tests both use this. */
export function startSimulation(options: SimulateOptions, network: RoadNetwork, signal: AbortSignal): SimulationRun {
  const generator = new FleetGenerator(network, options.fleet);
  const horizonMs = Math.abs(options.fleet.faults.skewS) * 1000 + 3 * options.fleet.intervalS * 1000;
  const ledger = new Ledger(options.limits, horizonMs);
  const stats = newRunStats();
  const done = (async () => {
    const senders = generator.layout.gateways.flatMap((g) => (g.batches ? [g.id] : g.detectors.map((d) => d.sensorId)));
    const startedAt = Date.now();
    const connections = await FleetConnections.open(senders, { url: options.url, clientPrefix: options.clientPrefix, concurrency: 50 });
    try {
      await runFleet({ generator, sink: connections, plan: options.plan, intervalS: options.fleet.intervalS, ledger, window: options.window, signal, stats });
    } finally {
      await connections.close({ sayOffline: !options.stayOnline });
    }
    return summarise(options, generator, stats, ledger, Date.now() - startedAt, connections.size || senders.length);
  })();
  return { generator, ledger, stats, done };
}
