import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { parseScryptHash } from '../../shared/security/scrypt-secret.ts';

/**
 * The API keys file (ROADPULSE_API_KEYS_FILE), written by `npm run api-keys`: one entry per key
 * with its id, scope and the scrypt hash of its secret; the secret itself is never stored.
 * A key as a client sends it is `<id>.<secret>`: the id finds the entry without trying every hash.
 */
export const API_SCOPES = ['read', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** Key ids: no "." (it separates the id from the secret in a key). */
export const keyIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'only letters, digits, "_" and "-"');

export const apiKeyEntrySchema = z.strictObject({
  id: keyIdSchema,
  scope: z.enum(API_SCOPES),
  hash: z.string().superRefine((hash, ctx) => {
    const parsed = parseScryptHash(hash);
    if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
  }),
  createdAt: z.iso.datetime({ offset: true }).optional(),
});
export type ApiKeyEntry = z.infer<typeof apiKeyEntrySchema>;

export const apiKeysFileSchema = z
  .strictObject({ version: z.literal(1), keys: z.array(apiKeyEntrySchema) })
  .refine((f) => new Set(f.keys.map((k) => k.id)).size === f.keys.length, 'key ids must be unique');

/** Reads and validates the file; throws an Error naming the file and every problem. */
export function readApiKeysFile(file: string): ApiKeyEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`API keys file ${file}: ${(err as Error).message}`, { cause: err });
  }
  const parsed = apiKeysFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`);
    throw new Error(`API keys file ${file}: ${problems.join('; ')}`);
  }
  return parsed.data.keys;
}

/** Replaces the file atomically (write + rename), readable by its owner only. */
export function writeApiKeysFile(file: string, keys: readonly ApiKeyEntry[]): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ version: 1, keys }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/** A new secret: 32 random bytes (256 bits), base64url. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** `<id>.<secret>` split at the first "."; null when the token has no id part. */
export function splitKey(token: string): { id: string; secret: string } | null {
  const dot = token.indexOf('.');
  if (dot <= 0 || dot === token.length - 1) return null;
  return { id: token.slice(0, dot), secret: token.slice(dot + 1) };
}
