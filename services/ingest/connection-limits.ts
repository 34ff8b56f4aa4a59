export type AdmissionRefusal = 'connections_total' | 'connections_per_address';

/**
 * Open connections in total and per source address, over every MQTT listener (TCP, TLS,
 * WebSocket), counted from the TCP accept: a socket that never sends CONNECT holds its place until
 * the CONNECT timeout closes it.
 */
export class ConnectionLimiter {
  private readonly byAddress = new Map<string, number>();
  private open = 0;

  constructor(private readonly limits: { total: number; perAddress: number }) {}

  get size(): number {
    return this.open;
  }

  /** Takes a place for `address`, or says which limit refuses it. */
  admit(address: string): AdmissionRefusal | null {
    if (this.open >= this.limits.total) return 'connections_total';
    const fromAddress = this.byAddress.get(address) ?? 0;
    if (fromAddress >= this.limits.perAddress) return 'connections_per_address';
    this.byAddress.set(address, fromAddress + 1);
    this.open++;
    return null;
  }

  release(address: string): void {
    const fromAddress = this.byAddress.get(address) ?? 0;
    if (fromAddress <= 1) this.byAddress.delete(address);
    else this.byAddress.set(address, fromAddress - 1);
    if (this.open > 0) this.open--;
  }
}

/** One key per client address: an IPv4-mapped IPv6 address is its IPv4 address. */
export function addressKey(remoteAddress: string | undefined): string {
  if (!remoteAddress) return 'unknown';
  return remoteAddress.startsWith('::ffff:') ? remoteAddress.slice(7) : remoteAddress;
}
