/**
 * aedes alone: the embedded pipeline's broker with an authorizePublish that answers at once (no
 * validation, no bus, no store), to measure how much of the pipeline's cost is the broker's.
 * Run it, then point the load test at it with its pid:
 *
 *   node --max-semi-space-size=32 --import tsx bench/aedes-alone.ts --port 18830
 *   npm run loadtest -- --url mqtt://127.0.0.1:18830 --duration 15 --warmup 5 --pid <pid it prints>
 */
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { Aedes } from 'aedes';
import { brokerPersistence } from '../services/ingest/broker-persistence.ts';

const { values: args } = parseArgs({ options: { port: { type: 'string', default: '18830' } } });
const broker = await Aedes.createBroker({ persistence: brokerPersistence(), authorizePublish: (_client, _packet, callback) => callback(null) });
const server = createServer((socket) => broker.handle(socket));
server.listen(Number(args.port), '127.0.0.1', () => process.stdout.write(`aedes alone on 127.0.0.1:${args.port}, pid ${process.pid}\n`));
process.once('SIGINT', () => server.close(() => broker.close(() => process.exit(0))));
