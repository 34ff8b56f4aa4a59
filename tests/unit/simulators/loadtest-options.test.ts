import { describe, expect, it } from 'vitest';
import { parseLoadtestArgs } from '../../../simulators/loadtest/loadtest-options.ts';

describe('loadtest options', () => {
  it('reads the load shape, with no warm-up unless asked', () => {
    const cli = parseLoadtestArgs(['--url', 'mqtt://127.0.0.1:1884', '--rate', '20000', '--duration', '20']);
    expect(cli).toMatchObject({ url: 'mqtt://127.0.0.1:1884', rate: 20_000, durationS: 20, warmupS: 0, qos: 1, batch: 1 });
    expect(parseLoadtestArgs(['--warmup', '10'])).toMatchObject({ warmupS: 10 });
  });

  it.each([
    [['--warmup=-1'], /--warmup: "-1"/],
    [['--warmup', 'soon'], /--warmup: "soon"/],
    [['--duration', '0'], /--duration: "0"/],
    [['--batch', '501'], /--batch: "501" must be an integer from 1 to 500/],
  ])('rejects %j with a message naming the option', (argv, message) => {
    expect(() => parseLoadtestArgs(argv)).toThrow(message);
  });
});
