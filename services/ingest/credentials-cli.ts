import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { idSchema } from '../../shared/contract/telemetry.ts';
import {
  CREDENTIAL_ROLES,
  emptyCredentialsFile,
  generatePassword,
  hashSecret,
  readCredentialsFile,
  writeCredentialsFile,
  type CredentialRole,
  type CredentialsFile,
} from '../../shared/credentials/credentials-file.ts';

const USAGE = `usage: npm run credentials -- <command> [--file <path>]

  add <id> --role sensor|gateway|operator [--password <pw> | --cert-only] [--replace]
        without --password a random password is generated and printed once
        --cert-only: no password; the account connects with a TLS client certificate (CN = id)
  remove <id>
  list

The file is --file, else ROADPULSE_MQTT_CREDENTIALS_FILE. A running roadpulse reloads it by itself.`;

export class UsageError extends Error {}

/**
 * The credentials CLI as a function (tests call it): returns what it prints. Writes the file
 * atomically with mode 0600; a secret is only ever stored as its scrypt hash.
 */
export async function runCredentialsCli(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const { values, positionals } = parseOptions(argv);
  const [command, id, ...rest] = positionals;
  if (values.help || command === undefined) return USAGE;
  const file = values.file ?? env.ROADPULSE_MQTT_CREDENTIALS_FILE;
  if (!file) throw new UsageError('no credentials file: give --file or set ROADPULSE_MQTT_CREDENTIALS_FILE');
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
  const current = (): CredentialsFile => (existsSync(file) ? readCredentialsFile(file) : emptyCredentialsFile());

  switch (command) {
    case 'list': {
      const { credentials } = current();
      if (credentials.length === 0) return `no accounts in ${file}`;
      return credentials.map((e) => `${e.id.padEnd(24)} ${e.role.padEnd(9)} ${e.secret ? 'password' : 'certificate'}  ${e.createdAt}`).join('\n');
    }
    case 'add': {
      const checkedId = parseId(id);
      const role = values.role as CredentialRole | undefined;
      if (!role || !CREDENTIAL_ROLES.includes(role)) throw new UsageError(`--role must be one of ${CREDENTIAL_ROLES.join(', ')}`);
      if (values['cert-only'] && values.password !== undefined) throw new UsageError('--cert-only and --password exclude each other');
      if (values.password !== undefined && values.password.length < 8) throw new UsageError('--password must have at least 8 characters');
      const data = current();
      const existing = data.credentials.findIndex((e) => e.id === checkedId);
      if (existing !== -1 && !values.replace) throw new UsageError(`"${checkedId}" exists; use --replace to change it`);
      const generated = values['cert-only'] || values.password !== undefined ? null : generatePassword();
      const password = values.password ?? generated;
      const entry = { id: checkedId, role, secret: password === null ? null : await hashSecret(password), createdAt: new Date().toISOString() };
      if (existing === -1) data.credentials.push(entry);
      else data.credentials[existing] = entry;
      writeCredentialsFile(file, data);
      const what = `${existing === -1 ? 'added' : 'replaced'} ${role} "${checkedId}" in ${file}`;
      return generated === null ? what : `${what}\npassword (shown only now): ${generated}`;
    }
    case 'remove': {
      const checkedId = parseId(id);
      const data = current();
      const kept = data.credentials.filter((e) => e.id !== checkedId);
      if (kept.length === data.credentials.length) throw new UsageError(`no account "${checkedId}" in ${file}`);
      writeCredentialsFile(file, { ...data, credentials: kept });
      return `removed "${checkedId}" from ${file}`;
    }
    default:
      throw new UsageError(`unknown command "${command}"\n\n${USAGE}`);
  }
}

function parseOptions(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        file: { type: 'string' },
        role: { type: 'string' },
        password: { type: 'string' },
        'cert-only': { type: 'boolean', default: false },
        replace: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function parseId(id: string | undefined): string {
  const parsed = idSchema.safeParse(id);
  if (!parsed.success) throw new UsageError(`the id must be 1–64 characters of [A-Za-z0-9._-], got ${JSON.stringify(id ?? '')}`);
  return parsed.data;
}
