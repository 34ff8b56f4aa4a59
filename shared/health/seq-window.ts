/** Seq numbers a window can hold: an hour of 1-second readings (DESIGN §3: intervalS ≥ 1). */
export const SEQ_CAPACITY = 4096;

export type SeqOutcome = 'new' | 'duplicate' | 'old' | 'reset';

/**
 * The seq numbers received of one sensor over its last `size` seqs, as a ring of bits (512 bytes):
 * bit s mod capacity is set when seq s, inside [max − size + 1, max], was received. Every bit
 * outside the window is cleared as the window moves on, so the count of received seqs and of the
 * missing ones is kept as it goes, without a scan: O(1) per reading, O(k) for a jump of k seqs.
 */
export class SeqWindow {
  private readonly bits = new Uint32Array(SEQ_CAPACITY / 32);
  private size: number;
  private max = -1;
  private first = -1;
  private received = 0;

  constructor(size: number) {
    this.size = clampSize(size);
  }

  /**
   * Records a seq. `later` says whether its reading's ts is after the latest one seen: a seq seen
   * before whose ts is not later is a duplicate; a seq below the latest with a later ts means the
   * sensor counts from the start again (a reboot), and the window restarts.
   */
  add(seq: number, later: boolean): SeqOutcome {
    if (this.max < 0) {
      this.restart(seq);
      return 'new';
    }
    if (seq > this.max) {
      this.advanceTo(seq);
      this.set(seq);
      return 'new';
    }
    if (later) {
      this.restart(seq);
      return 'reset';
    }
    if (seq <= this.max - this.size) return 'old';
    if (this.has(seq)) return 'duplicate';
    this.set(seq);
    return 'new';
  }

  /** Seqs the window should hold by now: from the first seen (or the window's start) to the latest. */
  get expected(): number {
    return this.max < 0 ? 0 : Math.min(this.size, this.max - this.first + 1);
  }

  get missing(): number {
    return this.expected - this.received;
  }

  /** A new window length (the sensor's interval changed): starts over from the latest seq. */
  resize(size: number): void {
    const next = clampSize(size);
    if (next === this.size) return;
    this.size = next;
    if (this.max >= 0) this.restart(this.max);
  }

  private restart(seq: number): void {
    this.bits.fill(0);
    this.max = seq;
    this.first = seq;
    this.received = 0;
    this.set(seq);
  }

  /** Moves the window's end to `seq`: the seqs leaving it are cleared (and uncounted if received). */
  private advanceTo(seq: number): void {
    const leaving = seq - this.max;
    if (leaving >= this.size) {
      this.bits.fill(0);
      this.received = 0;
    } else {
      for (let s = this.max - this.size + 1; s <= seq - this.size; s++) {
        if (s >= 0 && this.has(s)) {
          this.clear(s);
          this.received--;
        }
      }
    }
    this.max = seq;
  }

  private has(seq: number): boolean {
    const slot = seq % SEQ_CAPACITY;
    return (this.bits[slot >>> 5]! & (1 << (slot & 31))) !== 0;
  }

  private set(seq: number): void {
    const slot = seq % SEQ_CAPACITY;
    this.bits[slot >>> 5]! |= 1 << (slot & 31);
    this.received++;
  }

  private clear(seq: number): void {
    const slot = seq % SEQ_CAPACITY;
    this.bits[slot >>> 5]! &= ~(1 << (slot & 31));
  }
}

function clampSize(size: number): number {
  return Math.max(1, Math.min(SEQ_CAPACITY, Math.floor(size)));
}
