import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { hashSecret } from '../../shared/security/scrypt-secret.ts';
import { API_SCOPES, keyIdSchema, newSecret, readApiKeysFile, writeApiKeysFile, type ApiKeyEntry, type ApiScope } from './api-keys-file.ts';

/**
 * `npm run api-keys -- add <name> --scope read|admin | remove <name> | list [--file <path>]`
 * Manages the API keys file (default: $ROADPULSE_API_KEYS_FILE). `add` prints the new key once, on
 * stdout; only its scrypt hash is kept. A running API picks changes up within a second or two.
 */
const USAGE = `usage: npm run api-keys -- <command> [--file <path>]
  add <name> --scope read|admin   create a key; prints it once (only its hash is stored)
  remove <name>                   delete a key
  list                            names, scopes and creation times (never keys)
The file defaults to $ROADPULSE_API_KEYS_FILE.`;

function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function load(file: string): ApiKeyEntry[] {
  return existsSync(file) ? readApiKeysFile(file) : [];
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { file: { type: 'string' }, scope: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const [command, name, ...rest] = positionals;
  if (rest.length > 0) fail(`unexpected arguments: ${rest.join(' ')}\n${USAGE}`);
  const file = values.file ?? process.env['ROADPULSE_API_KEYS_FILE'];
  if (!file) fail(`no keys file: pass --file <path> or set ROADPULSE_API_KEYS_FILE\n${USAGE}`);

  switch (command) {
    case 'add': {
      const id = keyIdSchema.safeParse(name);
      if (!id.success) fail(`add: a name of 1–64 letters, digits, "_" or "-" is required, got ${JSON.stringify(name ?? '')}`);
      if (!API_SCOPES.includes(values.scope as ApiScope)) fail(`add: --scope ${API_SCOPES.join('|')} is required`);
      const keys = load(file);
      if (keys.some((k) => k.id === id.data)) fail(`add: a key named "${id.data}" exists; remove it first`, 1);
      const secret = newSecret();
      const entry: ApiKeyEntry = { id: id.data, scope: values.scope as ApiScope, hash: await hashSecret(secret), createdAt: new Date().toISOString() };
      writeApiKeysFile(file, [...keys, entry]);
      process.stderr.write(`key "${entry.id}" (scope ${entry.scope}) added to ${file}; it is shown only now:\n`);
      process.stdout.write(`${entry.id}.${secret}\n`);
      return;
    }
    case 'remove': {
      if (!name) fail(`remove: a name is required\n${USAGE}`);
      const keys = load(file);
      if (!keys.some((k) => k.id === name)) fail(`remove: no key named "${name}" in ${file}`, 1);
      writeApiKeysFile(file, keys.filter((k) => k.id !== name));
      process.stderr.write(`key "${name}" removed from ${file}\n`);
      return;
    }
    case 'list': {
      for (const k of load(file)) process.stdout.write(`${k.id}\t${k.scope}\t${k.createdAt ?? ''}\n`);
      return;
    }
    default:
      fail(`${command ? `unknown command "${command}"` : 'a command is required'}\n${USAGE}`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => fail(err instanceof Error ? err.message : String(err), 1));
