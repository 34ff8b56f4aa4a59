import { createHash, timingSafeEqual } from 'node:crypto';
import { verifySecret } from '../../shared/security/scrypt-secret.ts';
import { splitKey, type ApiKeyEntry, type ApiScope } from './api-keys-file.ts';

/** Who a request's key belongs to. */
export interface ApiPrincipal {
  id: string;
  scope: ApiScope;
}

/** Verdicts kept (good and bad keys); the oldest leave first. Bounds memory under a flood of random keys. */
const MAX_CACHED_VERDICTS = 10_000;

/** scrypt verifications at once: libuv's pool has 4 threads, and file and DNS work need them too. */
const MAX_RUNNING_SCRYPT = 2;
/** Verifications queued beyond those; any more are answered `busy` (503) instead of queueing without bound. */
const MAX_WAITING_SCRYPT = 64;

/** The verdict when too many new keys are being verified at once (a flood of made-up secrets). */
export const BUSY = 'busy';
export type Verdict = ApiPrincipal | null | typeof BUSY;

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * The keys the API accepts: entries of the keys file (scrypt hashes, `<id>.<secret>` keys) and the
 * deprecated plain keys of ROADPULSE_API_KEYS (scope `read`, kept as SHA-256 digests in memory).
 *
 * Cost per request: the entry is found by id (a Map lookup), its scrypt hash is checked once per
 * distinct presented key, and the verdict is cached under the SHA-256 of the key (the cache never
 * holds a key itself). So a client pays one scrypt (0.1–0.3 s, on libuv's thread pool, not the event
 * loop) on its first request and a hash + Map lookup afterwards; concurrent first requests share
 * the one verification. Comparisons of secrets are constant-time (scrypt output with
 * timingSafeEqual; legacy digests with timingSafeEqual against every legacy key). Key ids are not
 * secret: an unknown id is refused without a scrypt, which is faster than a known id with a wrong
 * secret (a dummy scrypt would hand an attacker a cheap way to burn CPU). At most 2 scrypts run at
 * once and 64 wait; beyond that a new key gets `busy` (not cached), so made-up secrets for a known
 * id cannot take the whole thread pool or queue without bound (the rate limiter bounds them first).
 */
export class ApiKeys {
  private byId = new Map<string, ApiKeyEntry>();
  private readonly legacy: Buffer[];
  private readonly verdicts = new Map<string, Promise<ApiPrincipal | null>>();
  private readonly settled = new Map<string, ApiPrincipal | null>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(entries: readonly ApiKeyEntry[], legacyKeys: readonly string[] = []) {
    this.legacy = legacyKeys.map(sha256);
    this.replace(entries);
  }

  /** True when any key is configured: then /api needs one. */
  get configured(): boolean {
    return this.byId.size > 0 || this.legacy.length > 0;
  }

  get size(): number {
    return this.byId.size + this.legacy.length;
  }

  /** New file entries (a reload): every cached verdict is dropped, so a removed key stops working at once. */
  replace(entries: readonly ApiKeyEntry[]): void {
    this.byId = new Map(entries.map((e) => [e.id, e]));
    this.verdicts.clear();
    this.settled.clear();
  }

  /** The principal of a key verified before, without any work beyond a hash (for the rate limiter's key). */
  known(token: string): ApiPrincipal | undefined {
    return this.settled.get(sha256(token).toString('base64')) ?? undefined;
  }

  /** The key's principal, null when it is not a valid key, or `busy` when it cannot be checked now. */
  verify(token: string): Promise<Verdict> {
    const digest = sha256(token);
    const cacheKey = digest.toString('base64');
    const cached = this.verdicts.get(cacheKey);
    if (cached) return cached;
    const parts = splitKey(token);
    if (parts && this.byId.has(parts.id) && this.running >= MAX_RUNNING_SCRYPT && this.waiting.length >= MAX_WAITING_SCRYPT) {
      return Promise.resolve(BUSY);
    }
    const verdict: Promise<ApiPrincipal | null> = this.check(token, digest).then((principal) => {
      // Kept only while still cached: a reload (or an eviction) while verifying drops this verdict.
      if (this.verdicts.get(cacheKey) === verdict) this.settled.set(cacheKey, principal);
      return principal;
    });
    this.verdicts.set(cacheKey, verdict);
    if (this.verdicts.size > MAX_CACHED_VERDICTS) {
      const oldest = this.verdicts.keys().next().value as string;
      this.verdicts.delete(oldest);
      this.settled.delete(oldest);
    }
    return verdict;
  }

  private async check(token: string, digest: Buffer): Promise<ApiPrincipal | null> {
    const parts = splitKey(token);
    const entry = parts ? this.byId.get(parts.id) : undefined;
    if (entry && parts) {
      await this.acquire();
      try {
        return (await verifySecret(parts.secret, entry.hash)) ? { id: entry.id, scope: entry.scope } : null;
      } finally {
        this.release();
      }
    }
    let match = -1;
    this.legacy.forEach((k, i) => {
      if (timingSafeEqual(k, digest)) match = i;
    });
    return match >= 0 ? { id: `legacy-${match + 1}`, scope: 'read' } : null;
  }

  private acquire(): Promise<void> | void {
    if (this.running < MAX_RUNNING_SCRYPT) {
      this.running += 1;
      return;
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Hands the slot to the next waiting verification, if any. */
  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running -= 1;
  }
}
