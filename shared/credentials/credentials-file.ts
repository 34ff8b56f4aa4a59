import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { z } from 'zod';
import { idSchema } from '../contract/telemetry.ts';

/**
 * The MQTT credentials file: one entry per device or operator account, secrets hashed with scrypt
 * (RFC 7914) under a per-entry random salt, its cost parameters stored with it so they can be raised
 * for new entries without invalidating old ones.
 */
export const CREDENTIAL_ROLES = ['sensor', 'gateway', 'operator'] as const;
export type CredentialRole = (typeof CREDENTIAL_ROLES)[number];

const base64 = z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/, 'expected base64');
const scryptSecretSchema = z.object({
  alg: z.literal('scrypt'),
  // N a power of two; bounds keep a hostile file from making one verification take minutes.
  N: z.number().int().min(1024).max(1 << 18).refine((n) => (n & (n - 1)) === 0, 'N must be a power of two'),
  r: z.number().int().min(1).max(16),
  p: z.number().int().min(1).max(16),
  salt: base64,
  hash: base64,
});
export type ScryptSecret = z.infer<typeof scryptSecretSchema>;

const entrySchema = z.object({
  id: idSchema,
  role: z.enum(CREDENTIAL_ROLES),
  /** null: no password; the account connects only with a TLS client certificate whose CN is its id. */
  secret: scryptSecretSchema.nullable(),
  createdAt: z.string(),
});
export type CredentialEntry = z.infer<typeof entrySchema>;

export const credentialsFileSchema = z
  .object({ version: z.literal(1), credentials: z.array(entrySchema) })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    for (const [i, entry] of file.credentials.entries()) {
      if (seen.has(entry.id)) ctx.addIssue({ code: 'custom', path: ['credentials', i, 'id'], message: `duplicate id "${entry.id}"` });
      seen.add(entry.id);
    }
  });
export type CredentialsFile = z.infer<typeof credentialsFileSchema>;

/** Cost of new secrets: 2^14 × 8 × 128 B = 16 MiB and some 40 ms of one libuv thread per verification. */
export const SCRYPT_DEFAULTS = { N: 1 << 14, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

function scryptAsync(password: Buffer, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    // maxmem: Node's default (32 MiB) would refuse costs the schema allows; scrypt needs 128 × N × r bytes.
    scrypt(password, salt, KEY_LENGTH, { ...options, maxmem: 256 * options.N! * options.r! }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashSecret(password: string, cost: { N: number; r: number; p: number } = SCRYPT_DEFAULTS): Promise<ScryptSecret> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(Buffer.from(password, 'utf8'), salt, cost);
  return { alg: 'scrypt', ...cost, salt: salt.toString('base64'), hash: hash.toString('base64') };
}

/** Constant-time comparison of the derived key (runs scrypt on a libuv thread, not the event loop). */
export async function verifySecret(secret: ScryptSecret, password: Buffer): Promise<boolean> {
  const expected = Buffer.from(secret.hash, 'base64');
  const actual = await scryptAsync(password, Buffer.from(secret.salt, 'base64'), { N: secret.N, r: secret.r, p: secret.p });
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** A password for a device: 24 random bytes, base64url (32 characters). */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}

export class CredentialsFileError extends Error {
  constructor(path: string, problem: string, options?: { cause?: unknown }) {
    super(`${path}: ${problem}`, options);
    this.name = 'CredentialsFileError';
  }
}

/** Reads and validates the file; throws CredentialsFileError naming the file and every problem. */
export function readCredentialsFile(path: string): CredentialsFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CredentialsFileError(path, `cannot read (${(err as Error).message})`, { cause: err });
  }
  return parseCredentials(path, text);
}

export function parseCredentials(path: string, text: string): CredentialsFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CredentialsFileError(path, `not JSON (${(err as Error).message})`, { cause: err });
  }
  const result = credentialsFileSchema.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`);
    throw new CredentialsFileError(path, problems.join('; '));
  }
  return result.data;
}

/**
 * Writes the file atomically: a temporary file in the same directory, created with mode 0600,
 * fsynced, then renamed over the old one (readers see the old or the new file, never half of one).
 */
export function writeCredentialsFile(path: string, file: CredentialsFile): void {
  const valid = credentialsFileSchema.parse(file);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(valid, null, 2)}\n`);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

export const emptyCredentialsFile = (): CredentialsFile => ({ version: 1, credentials: [] });
