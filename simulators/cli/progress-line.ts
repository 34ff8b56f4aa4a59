/**
 * A live status line on stderr: rewritten in place on a terminal, one line every `everyMs` into
 * a file or pipe (so logs stay readable). stdout is left for the summary or report.
 */
export class ProgressLine {
  private timer: NodeJS.Timeout | null = null;
  private lastPrinted = 0;
  private readonly tty = process.stderr.isTTY === true;

  constructor(private readonly render: () => string, private readonly everyMs = 10_000) {}

  start(): void {
    this.timer = setInterval(() => this.print(), this.tty ? 500 : 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.print(true);
    if (this.tty) process.stderr.write('\n');
  }

  private print(final = false): void {
    const line = this.render();
    if (this.tty) process.stderr.write(`\r${line}\x1b[K`);
    else if (final || Date.now() - this.lastPrinted >= this.everyMs) {
      process.stderr.write(`${line}\n`);
      this.lastPrinted = Date.now();
    }
  }
}

export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
