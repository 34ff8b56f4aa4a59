import { readFileSync, readdirSync } from 'node:fs';
import { getPriority } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { startInProcess, type InProcessPipeline } from '../helpers/embedded.ts';

/** Nice value of each thread of this process (Linux keeps one per thread: /proc/self/task/<tid>/stat, field 19). */
function threadNiceValues(): number[] {
  return readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      return [Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])];
    } catch {
      return []; // the thread ended while we looked
    }
  });
}

describe.runIf(process.platform === 'linux')('embedded pipeline thread priorities', () => {
  let rp: InProcessPipeline | undefined;
  afterAll(async () => rp?.close());

  it('when the embedded pipeline runs, then its storage thread alone runs 10 nice steps below the thread that serves MQTT', async () => {
    const own = getPriority(); // this thread runs the broker and ingest
    const lowered = Math.min(19, own + 10);
    const before = threadNiceValues().filter((n) => n === lowered).length;

    rp = await startInProcess();

    expect(threadNiceValues().filter((n) => n === lowered).length).toBe(before + 1);
    expect(getPriority()).toBe(own);
  });
});
