import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startApiServer, type ApiServer } from '../helpers/api-server.ts';
import { REPO_ROOT, makeDataDir } from '../helpers/embedded.ts';
import { waitFor } from '../helpers/wait.ts';

// `npm run api-keys -- add|remove|list` and a running API picking the file's changes up without a restart.
vi.setConfig({ testTimeout: 30_000, hookTimeout: 30_000 });

const run = promisify(execFile);

async function cli(args: string[], file: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'services/api/api-keys-cli.ts', ...args, '--file', file], { cwd: REPO_ROOT });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const statusOf = async (url: string, token: string, method = 'GET') =>
  (await fetch(url, { method, headers: { authorization: `Bearer ${token}` } })).status;

describe('npm run api-keys and reloading the keys file', () => {
  const file = join(makeDataDir('roadpulse-keys-'), 'api-keys.json');
  let api: ApiServer;
  let viewer: string;
  let operator: string;

  beforeAll(async () => {
    const first = await cli(['add', 'viewer', '--scope', 'read'], file); // one after the other: each rewrites the file
    const second = await cli(['add', 'operator', '--scope', 'admin'], file);
    expect([first.code, second.code]).toEqual([0, 0]);
    viewer = first.stdout.trim();
    operator = second.stdout.trim();
    api = await startApiServer({
      env: { ROADPULSE_API_KEYS_FILE: file },
      extraRoutes: (app) => app.post('/api/v1/test/admin-action', { config: { scope: 'admin' } }, async () => ({ done: true })),
    });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('when a key is added, then it is printed once as <name>.<secret> and the file holds only its scrypt hash', () => {
    expect(viewer).toMatch(/^viewer\.[A-Za-z0-9_-]{43}$/);
    expect(operator).toMatch(/^operator\.[A-Za-z0-9_-]{43}$/);
    const stored = readFileSync(file, 'utf8');
    expect(stored).not.toContain(viewer.split('.')[1]);
    expect(stored).not.toContain(operator.split('.')[1]);
    const parsed = JSON.parse(stored) as { keys: { id: string; scope: string; hash: string }[] };
    expect(parsed.keys.map((k) => [k.id, k.scope])).toEqual([
      ['viewer', 'read'],
      ['operator', 'admin'],
    ]);
    for (const k of parsed.keys) expect(k.hash).toMatch(/^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
  });

  it('when listing, then names, scopes and dates are shown and never a key or a hash', async () => {
    const list = await cli(['list'], file);
    expect(list.code).toBe(0);
    expect(list.stdout.trim().split('\n').map((l) => l.split('\t').slice(0, 2))).toEqual([
      ['viewer', 'read'],
      ['operator', 'admin'],
    ]);
    expect(list.stdout).not.toContain('$scrypt$');
  });

  it('when the API runs with the file, then each key works with its scope', async () => {
    expect(await statusOf(`${api.baseUrl}/api/v1/segments`, viewer)).toBe(200);
    expect(await statusOf(`${api.baseUrl}/api/v1/test/admin-action`, viewer, 'POST')).toBe(403);
    expect(await statusOf(`${api.baseUrl}/api/v1/test/admin-action`, operator, 'POST')).toBe(200);
  });

  it('when a key is removed or added while the API runs, then it stops or starts working without a restart', async () => {
    const removed = await cli(['remove', 'viewer'], file);
    expect(removed.code).toBe(0);
    await waitFor(async () => (await statusOf(`${api.baseUrl}/api/v1/segments`, viewer)) === 401, { timeoutMs: 10_000, intervalMs: 200, what: 'removed key refused' });
    const added = await cli(['add', 'wall-screen', '--scope', 'read'], file);
    expect(added.code).toBe(0);
    const wall = added.stdout.trim();
    await waitFor(async () => (await statusOf(`${api.baseUrl}/api/v1/segments`, wall)) === 200, { timeoutMs: 10_000, intervalMs: 200, what: 'new key accepted' });
    expect(await statusOf(`${api.baseUrl}/api/v1/test/admin-action`, operator, 'POST')).toBe(200);
  });

  it('when the file is broken while the API runs, then the keys loaded before stay in force (neither open nor locked out)', async () => {
    writeFileSync(file, '{ "version": 1, "keys": [ oops');
    await new Promise((r) => setTimeout(r, 2_500)); // two polls of the file
    expect(await statusOf(`${api.baseUrl}/api/v1/test/admin-action`, operator, 'POST')).toBe(200);
    expect((await fetch(`${api.baseUrl}/api/v1/segments`)).status).toBe(401);
  });

  it.each([
    [['add', 'x'], /--scope read\|admin/],
    [['add', 'bad.name', '--scope', 'read'], /name/],
    [['frobnicate'], /unknown command/],
    [['remove', 'nobody'], /no key named "nobody"|API keys file/],
  ])('when the CLI is called with %j, then it exits non-zero with a message', async (args, message) => {
    const r = await cli(args, join(makeDataDir('roadpulse-keys-'), 'k.json'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});
