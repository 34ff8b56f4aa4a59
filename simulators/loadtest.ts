/**
 * npm run loadtest -- --url mqtt://… [--api http://…] …: the whole-path load test (issue 4 §5).
 * See --help and simulators/README.md.
 */
import { writeFileSync } from 'node:fs';
import { loadRoadNetwork } from '../shared/network/load-network.ts';
import { fmt, ProgressLine } from './cli/progress-line.ts';
import { ApiObserver } from './loadtest/api-observer.ts';
import { LOADTEST_HELP, parseLoadtestArgs } from './loadtest/loadtest-options.ts';
import { nowMs } from './loadtest/load-generator.ts';
import { newRunId } from './loadtest/load-payload.ts';
import { markdownReport } from './loadtest/report.ts';
import { runLoadtest, type LiveProgress } from './loadtest/run-loadtest.ts';

let cli;
try {
  cli = parseLoadtestArgs(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`loadtest: ${(err as Error).message}\nRun with --help for the options.\n`);
  process.exit(2);
}
if (cli === 'help') {
  process.stdout.write(LOADTEST_HELP);
  process.exit(0);
}

const runId = newRunId();
let live: LiveProgress | null = null;
const progress = new ProgressLine(() => {
  if (!live) return 'loadtest: connecting…';
  const { record: r } = live;
  const sinceStartS = (nowMs() - r.startedAt) / 1000;
  const elapsedS = Math.min(live.durationS, (nowMs() - r.measureFrom) / 1000);
  const rate = r.readingsAcked / Math.max(0.001, sinceStartS);
  return [
    elapsedS < 0 ? `loadtest warm-up ${sinceStartS.toFixed(0)}/${cli.warmupS} s` : `loadtest ${elapsedS.toFixed(0)}/${live.durationS} s`,
    `sent ${fmt(r.messagesSent * cli.batch)}`,
    `acked ${fmt(r.readingsAcked)} (${fmt(rate)}/s)`,
    `in flight ${fmt(live.inFlight)}`,
    live.visible === null ? '' : `queryable ${fmt(live.visible)}`,
    r.pubackMs.length > 0 ? `last PUBACK ${r.pubackMs[r.pubackMs.length - 1]!.toFixed(1)} ms` : '',
  ].filter(Boolean).join(' | ');
}, 5_000);

try {
  const network = loadRoadNetwork(process.env.ROADPULSE_NETWORK_FILE);
  const observer = cli.api ? await ApiObserver.open(cli.api, runId, cli.apiKey, cli.metrics ?? cli.api) : null;
  progress.start();
  const report = await runLoadtest({ ...cli, runId, segments: network.segments }, observer, (p) => (live = p));
  progress.stop();
  const markdown = markdownReport(report);
  if (cli.out) {
    writeFileSync(`${cli.out}.json`, `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(`${cli.out}.md`, markdown);
  }
  process.stdout.write(cli.json ? `${JSON.stringify(report, null, 2)}\n` : markdown);
  process.exitCode = report.ok ? 0 : 1;
} catch (err) {
  progress.stop();
  process.stderr.write(`loadtest: ${(err as Error).message}\n`);
  process.exitCode = 2;
}
