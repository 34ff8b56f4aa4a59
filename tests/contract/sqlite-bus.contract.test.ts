import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { SqliteBus } from '../../shared/adapters/sqlite-bus.ts';
import { busContract } from './bus-contract.ts';

busContract('SqliteBus (embedded)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'roadpulse-bus-contract-'));
  const open = () => new SqliteBus({ file: join(dir, 'bus.sqlite'), log: pino({ level: 'silent' }) });
  const buses = [open()];
  return {
    bus: buses[0]!,
    reopen: async () => {
      const bus = open();
      buses.push(bus);
      return bus;
    },
    cleanup: async () => {
      await Promise.allSettled(buses.map((b) => b.close()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
