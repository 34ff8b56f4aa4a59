import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError, runCredentialsCli } from '../../../services/ingest/credentials-cli.ts';
import { readCredentialsFile, verifySecret } from '../../../shared/credentials/credentials-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'roadpulse-cred-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshFile = () => join(dir, `c${++n}.json`);

describe('npm run credentials (services/ingest/credentials-cli.ts)', () => {
  it('when a sensor is added without a password, then one is generated, printed once, and only its scrypt hash is stored (mode 0600)', async () => {
    const file = freshFile();
    const out = await runCredentialsCli(['add', 'loop-1', '--role', 'sensor', '--file', file]);
    const password = /password \(shown only now\): (\S+)/.exec(out)?.[1];
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(password!);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const [entry] = readCredentialsFile(file).credentials;
    expect(entry).toMatchObject({ id: 'loop-1', role: 'sensor', secret: { alg: 'scrypt', N: 16384, r: 8, p: 1 } });
    expect(await verifySecret(entry!.secret!, Buffer.from(password!))).toBe(true);
    expect(await verifySecret(entry!.secret!, Buffer.from(`${password!}x`))).toBe(false);
    // No temporary file left beside it.
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('when two entries get the same password, then their salts and hashes differ', async () => {
    const file = freshFile();
    await runCredentialsCli(['add', 'a', '--role', 'sensor', '--password', 'same-password', '--file', file]);
    await runCredentialsCli(['add', 'b', '--role', 'sensor', '--password', 'same-password', '--file', file]);
    const [a, b] = readCredentialsFile(file).credentials;
    expect(a!.secret!.salt).not.toBe(b!.secret!.salt);
    expect(a!.secret!.hash).not.toBe(b!.secret!.hash);
  });

  it('when accounts are added, listed and removed, then list shows what the file holds (no secrets)', async () => {
    const file = freshFile();
    await runCredentialsCli(['add', 'gw7', '--role', 'gateway', '--password', 'gateway-pass', '--file', file]);
    await runCredentialsCli(['add', 'ops', '--role', 'operator', '--password', 'operator-pass', '--file', file]);
    await runCredentialsCli(['add', 'cam-3', '--role', 'sensor', '--cert-only'], { ROADPULSE_MQTT_CREDENTIALS_FILE: file });
    const listed = await runCredentialsCli(['list', '--file', file]);
    expect(listed).toMatch(/^gw7\s+gateway\s+password/m);
    expect(listed).toMatch(/^ops\s+operator\s+password/m);
    expect(listed).toMatch(/^cam-3\s+sensor\s+certificate/m);
    expect(listed).not.toMatch(/gateway-pass|operator-pass|scrypt|salt/);
    expect(await runCredentialsCli(['remove', 'ops', '--file', file])).toContain('removed "ops"');
    expect(readCredentialsFile(file).credentials.map((e) => e.id)).toEqual(['gw7', 'cam-3']);
  });

  it('when an id exists, then add refuses unless --replace, which changes its secret', async () => {
    const file = freshFile();
    await runCredentialsCli(['add', 's1', '--role', 'sensor', '--password', 'first-pass', '--file', file]);
    await expect(runCredentialsCli(['add', 's1', '--role', 'sensor', '--password', 'other-pass', '--file', file])).rejects.toThrow(/exists/);
    await runCredentialsCli(['add', 's1', '--role', 'gateway', '--password', 'other-pass', '--replace', '--file', file]);
    const [entry] = readCredentialsFile(file).credentials;
    expect(entry!.role).toBe('gateway');
    expect(await verifySecret(entry!.secret!, Buffer.from('other-pass'))).toBe(true);
  });

  it.each([
    [['add', 'bad id', '--role', 'sensor'], /1–64 characters/],
    [['add', 's', '--role', 'admin'], /--role must be one of sensor, gateway, operator/],
    [['add', 's', '--role', 'sensor', '--password', 'short'], /at least 8/],
    [['remove', 'nobody'], /no account "nobody"/],
    [['rotate', 's'], /unknown command "rotate"/],
    [['list', '--colour'], /Unknown option/],
  ])('when called with %j, then a usage error says why', async (args, message) => {
    const file = freshFile();
    const error = await runCredentialsCli([...args, '--file', file]).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
  });

  it('when no file is given or configured, then it says which variable to set', async () => {
    await expect(runCredentialsCli(['list'], {})).rejects.toThrow(/ROADPULSE_MQTT_CREDENTIALS_FILE/);
  });

  it.each([
    ['not JSON', '{', /not JSON/],
    ['an unknown role', JSON.stringify({ version: 1, credentials: [{ id: 'x', role: 'admin', secret: null, createdAt: '' }] }), /credentials\.0\.role/],
    ['a duplicate id', JSON.stringify({ version: 1, credentials: [1, 2].map(() => ({ id: 'x', role: 'sensor', secret: null, createdAt: '' })) }), /duplicate id "x"/],
    ['N not a power of two', JSON.stringify({ version: 1, credentials: [{ id: 'x', role: 'sensor', secret: { alg: 'scrypt', N: 10000, r: 8, p: 1, salt: 'AA==', hash: 'AA==' }, createdAt: '' }] }), /power of two/],
  ])('when the file holds %s, then reading it fails naming the file and the problem', (_what, text, problem) => {
    const file = freshFile();
    writeFileSync(file, text);
    expect(() => readCredentialsFile(file)).toThrow(problem);
    expect(() => readCredentialsFile(file)).toThrow(file);
  });
});
