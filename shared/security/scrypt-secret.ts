import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Secrets hashed at rest with scrypt (RFC 7914, node:crypto), salted, in the PHC string format
 * `$scrypt$ln=15,r=8,p=1$<salt>$<hash>` (base64 without padding), so the cost parameters travel
 * with each hash and can be raised later without invalidating the hashes already written.
 */
export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  ln: number;
  r: number;
  p: number;
}

/** 2^15 × 8 × 128 B = 32 MiB and 0.1–0.3 s per hash on a busy 2-core machine: OWASP's scrypt minimum is 2^17 at r=8 for passwords; these are random keys. */
export const DEFAULT_SCRYPT_PARAMS: Readonly<ScryptParams> = { ln: 15, r: 8, p: 1 };
const KEY_LENGTH = 32;
const SALT_BYTES = 16;
/** Bounds a hash read from a file may ask for, so a bad file cannot make a verify take gigabytes. */
const LIMITS = { ln: [10, 20], r: [1, 32], p: [1, 16] } as const;
const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{16,})\$([A-Za-z0-9+/]{32,})$/;

function derive(secret: string, salt: Buffer, params: ScryptParams, length: number): Promise<Buffer> {
  const N = 2 ** params.ln;
  const options: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 256 * N * params.r + (1 << 20) };
  return new Promise((resolve, reject) => scrypt(secret, salt, length, options, (err, key) => (err ? reject(err) : resolve(key))));
}

const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');

export async function hashSecret(secret: string, params: ScryptParams = DEFAULT_SCRYPT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(secret, salt, params, KEY_LENGTH);
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${b64(salt)}$${b64(key)}`;
}

/** The hash's parameters, or an error message when it is not a scrypt PHC string within the bounds. */
export function parseScryptHash(hash: string): { params: ScryptParams; salt: Buffer; key: Buffer } | string {
  const m = PHC.exec(hash);
  if (!m) return 'not a $scrypt$ln=…,r=…,p=…$salt$hash string';
  const params = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  for (const name of ['ln', 'r', 'p'] as const) {
    const [min, max] = LIMITS[name];
    if (params[name] < min || params[name] > max) return `${name}=${params[name]} is outside ${min}…${max}`;
  }
  return { params, salt: Buffer.from(m[4]!, 'base64'), key: Buffer.from(m[5]!, 'base64') };
}

/** True when `secret` hashes to `hash`; compared in constant time. A malformed hash never matches. */
export async function verifySecret(secret: string, hash: string): Promise<boolean> {
  const parsed = parseScryptHash(hash);
  if (typeof parsed === 'string') return false;
  const key = await derive(secret, parsed.salt, parsed.params, parsed.key.length);
  return timingSafeEqual(key, parsed.key);
}
