import type { Duplex } from 'node:stream';

/** Why a guarded connection was cut. */
export type GuardViolation = 'packet_too_large' | 'malformed';

/** The error a guarded stream is destroyed with; already counted, so error listeners skip it. */
export class LimitError extends Error {
  constructor(readonly reason: string, message: string) {
    super(message);
    this.name = 'LimitError';
  }
}

/**
 * Follows MQTT packet boundaries in a byte stream from the fixed headers alone [MQTT-2.2]: the
 * first byte (type and flags), then the Remaining Length, 1–4 bytes of 7 bits each [MQTT-2.2.3];
 * the rest of the packet is skipped without looking at it. So a packet's size is known from its
 * first 2–5 bytes, before its body arrives.
 */
export class MqttFrameScanner {
  /** Body bytes of the current packet not seen yet. */
  private skip = 0;
  /** 0: at a packet boundary; 1–4: reading Remaining Length byte n. */
  private header = 0;
  private length = 0;
  private multiplier = 1;
  /** PUBLISH packets that started in the last scan() (before its cut), and their Remaining Lengths as far as known. */
  released = 0;
  releasedBytes = 0;
  private inPublish = false;
  /** Set when scan() returned -1. */
  violation: GuardViolation | null = null;
  declaredBytes = 0;

  constructor(private readonly maxPacketBytes: number) {}

  /**
   * Scans `chunk` and returns where to cut it: its length when all of it may go on, an index at a
   * packet boundary before the first PUBLISH over `budget` messages or `byteBudget` bytes, or -1
   * when the stream must be closed (`violation` says why). A cut leaves the scanner at that
   * boundary, so the rest is scanned again from its start.
   */
  scan(chunk: Buffer, budget: number, byteBudget = Number.MAX_SAFE_INTEGER): number {
    const n = chunk.length;
    let i = 0;
    this.released = 0;
    this.releasedBytes = 0;
    while (i < n) {
      if (this.skip > 0) {
        const take = Math.min(this.skip, n - i);
        this.skip -= take;
        i += take;
        continue;
      }
      const byte = chunk[i]!;
      if (this.header === 0) {
        // PUBLISH (type 3) [MQTT-2.2.1]: one more message for ingest to answer (any QoS: aedes awaits the hand-off for each).
        this.inPublish = (byte & 0xf0) === 0x30;
        if (this.inPublish) {
          if (this.released >= budget || this.releasedBytes >= byteBudget) return i;
          this.released++;
        }
        this.header = 1;
        this.length = 0;
        this.multiplier = 1;
        i++;
        continue;
      }
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      i++;
      if ((byte & 0x80) !== 0) {
        // [MQTT-2.2.3]: at most four bytes; a fifth continuation is a malformed packet.
        if (++this.header > 4) return this.fail('malformed', 0);
        continue;
      }
      this.header = 0;
      if (this.length > this.maxPacketBytes) return this.fail('packet_too_large', this.length);
      if (this.inPublish) this.releasedBytes += this.length;
      this.skip = this.length;
    }
    return n;
  }

  private fail(violation: GuardViolation, declaredBytes: number): number {
    this.violation = violation;
    this.declaredBytes = declaredBytes;
    return -1;
  }
}

export interface ReadGuard {
  /** PUBLISH packets passed on to the broker and not yet answered by ingest, and their Remaining Lengths. */
  pending: number;
  pendingBytes: number;
  /** Ingest answered one of them (resolved or refused); `bytes` is its Remaining Length. */
  settled(bytes: number): void;
}

export interface ReadGuardOptions {
  maxPacketBytes: number;
  /** At this many pending messages, or bytes of them, the connection is not read. */
  maxInflight: number;
  maxInflightBytes: number;
  /** Counted and logged by the caller; the stream is destroyed right after. */
  onViolation(violation: GuardViolation, declaredBytes: number): void;
  onPushback(): void;
}

const GUARD = Symbol('roadpulse.readGuard');
type Guarded = Duplex & { [GUARD]?: ReadGuard };

/** The guard of a connection guardReads() wrapped, if any. */
export function readGuardOf(conn: Duplex | undefined | null): ReadGuard | undefined {
  return (conn as Guarded | undefined | null)?.[GUARD];
}

/**
 * Puts a guard between a connection's bytes and the aedes parser. aedes reads with
 * `conn.read(null)` whenever it has handled the packets of its previous read (that is its own
 * push-back), and buffers a packet until it is complete, whatever its size (aedes 1.x has no cap).
 * The guard wraps `read` on the connection itself — the connection stays the real socket (a
 * TLSSocket keeps its peer certificate) and writes are untouched — and, as bytes are read:
 * - closes the connection when a packet header declares more than maxPacketBytes, before its body
 *   is buffered: the parser never sees that packet, only the socket's last read (≤ 64 KiB) held it;
 * - passes on PUBLISH packets only while fewer than maxInflight of them (and maxInflightBytes of
 *   their bytes) wait for ingest, putting the rest back into the socket (`unshift`); at the limit
 *   it reads nothing: the socket's buffer fills, then the kernel's, and TCP stops the sender (no
 *   PUBACK leaves meanwhile). aedes reads again when a pending message is done. aedes' own
 *   push-back (one read's packets at a time) is not enough: every chunk arriving while its
 *   packets are pending fires 'readable', and aedes reads on.
 */
export function guardReads(conn: Duplex, options: ReadGuardOptions): ReadGuard {
  const scanner = new MqttFrameScanner(options.maxPacketBytes);
  const guard: ReadGuard = {
    pending: 0,
    pendingBytes: 0,
    settled(bytes) {
      // A will published on close also passes authorizePublish; never go below zero.
      if (guard.pending > 0) guard.pending--;
      guard.pendingBytes = Math.max(0, guard.pendingBytes - bytes);
    },
  };
  (conn as Guarded)[GUARD] = guard;
  const read = conn.read.bind(conn);
  conn.read = function guardedRead(size?: number): unknown {
    const budget = options.maxInflight - guard.pending;
    const byteBudget = options.maxInflightBytes - guard.pendingBytes;
    if (budget <= 0 || byteBudget <= 0) {
      options.onPushback();
      return null;
    }
    const data = read(size) as Buffer | null;
    if (data === null) return null;
    const cut = scanner.scan(data, budget, byteBudget);
    guard.pending += scanner.released;
    guard.pendingBytes += scanner.releasedBytes;
    if (cut === data.length) return data;
    if (cut < 0) {
      const violation = scanner.violation!;
      options.onViolation(violation, scanner.declaredBytes);
      conn.destroy(new LimitError(violation, violation === 'packet_too_large' ? `packet of ${scanner.declaredBytes} bytes` : 'bad remaining length'));
      return null;
    }
    options.onPushback();
    conn.unshift(data.subarray(cut));
    return data.subarray(0, cut);
  };
  return guard;
}
