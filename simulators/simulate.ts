/**
 * npm run simulate -- [options]: a sensor fleet for the road network, publishing telemetry over
 * MQTT (QoS 1) as real detectors would (DESIGN §2, §3). See --help and simulators/README.md.
 */
import { loadRoadNetwork } from '../shared/network/load-network.ts';
import { ProgressLine } from './cli/progress-line.ts';
import { SIMULATE_HELP } from './cli/simulate-help.ts';
import { resolveSimulateOptions } from './cli/simulate-options.ts';
import { progressText, summaryText } from './cli/simulate-report.ts';
import { startSimulation } from './run-simulation.ts';

const network = loadRoadNetwork(process.env.ROADPULSE_NETWORK_FILE);
let options;
try {
  options = resolveSimulateOptions(process.argv.slice(2), Date.now(), network);
} catch (err) {
  process.stderr.write(`simulate: ${(err as Error).message}\nRun with --help for the options.\n`);
  process.exit(2);
}
if (options === 'help') {
  process.stdout.write(SIMULATE_HELP);
  process.exit(0);
}
for (const w of options.warnings) process.stderr.write(`simulate: warning: ${w}\n`);

const stop = new AbortController();
let interrupts = 0;
const onSignal = (): void => {
  interrupts++;
  if (interrupts > 1) process.exit(130);
  process.stderr.write('\nsimulate: stopping: waiting for the last PUBACKs (again to quit at once)\n');
  stop.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const startedAt = Date.now();
const run = startSimulation(options, network, stop.signal);
const progress = new ProgressLine(() => progressText(run.stats, startedAt));
if (!options.quiet) progress.start();
try {
  const summary = await run.done;
  if (!options.quiet) progress.stop();
  process.stdout.write(options.json ? `${JSON.stringify(summary, null, 2)}\n` : `${summaryText(summary)}\n`);
  process.exitCode = summary.messages.failed > 0 ? 1 : 0;
} catch (err) {
  if (!options.quiet) progress.stop();
  process.stderr.write(`simulate: ${(err as Error).message}\n`);
  process.exitCode = 1;
}
