/**
 * Events of one kind (duplicates, implausible readings) grouped into episodes: a new episode starts
 * when the previous event is more than the window ago (reading time).
 */
export class Episode {
  since = 0;
  lastAt = Number.NEGATIVE_INFINITY;
  count = 0;

  hit(ts: number, windowMs: number): void {
    if (ts > this.lastAt + windowMs) {
      this.since = ts;
      this.count = 0;
    }
    this.count++;
    if (ts > this.lastAt) this.lastAt = ts;
    if (ts < this.since) this.since = ts;
  }
}
