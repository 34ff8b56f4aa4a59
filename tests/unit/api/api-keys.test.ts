import { describe, expect, it } from 'vitest';
import { newSecret, type ApiKeyEntry } from '../../../services/api/api-keys-file.ts';
import { ApiKeys, BUSY } from '../../../services/api/api-keys.ts';
import { hashSecret, parseScryptHash, verifySecret } from '../../../shared/security/scrypt-secret.ts';

const FAST = { ln: 10, r: 8, p: 1 };

async function entry(id: string, scope: 'read' | 'admin'): Promise<{ entry: ApiKeyEntry; token: string }> {
  const secret = newSecret();
  return { entry: { id, scope, hash: await hashSecret(secret, FAST) }, token: `${id}.${secret}` };
}

describe('scrypt secrets', () => {
  it('when a secret is hashed twice, then the hashes differ (salted) and both verify; another secret does not', async () => {
    const [a, b] = [await hashSecret('s3cret', FAST), await hashSecret('s3cret', FAST)];
    expect(a).not.toBe(b);
    expect(await verifySecret('s3cret', a)).toBe(true);
    expect(await verifySecret('s3cret', b)).toBe(true);
    expect(await verifySecret('s3cret!', a)).toBe(false);
  });

  it('when a hash asks for an unbounded cost or is malformed, then it is refused without computing', async () => {
    expect(parseScryptHash('$scrypt$ln=30,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$' + 'A'.repeat(43))).toMatch(/ln=30/);
    expect(parseScryptHash('sha256:abc')).toMatch(/not a \$scrypt/);
    expect(await verifySecret('x', '$scrypt$ln=30,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$' + 'A'.repeat(43))).toBe(false);
  });
});

describe('ApiKeys', () => {
  it('when a key is verified, then the verdict is cached: known() answers without work, concurrent checks share one verification', async () => {
    const { entry: e, token } = await entry('wall', 'read');
    const keys = new ApiKeys([e]);
    expect(keys.known(token)).toBeUndefined();
    const first = keys.verify(token);
    expect(keys.verify(token)).toBe(first); // the same promise: one scrypt for both
    expect(await first).toEqual({ id: 'wall', scope: 'read' });
    expect(keys.known(token)).toEqual({ id: 'wall', scope: 'read' });
  });

  it('when the keys are replaced (reload), then cached verdicts are dropped: a removed key fails at once', async () => {
    const a = await entry('a', 'admin');
    const keys = new ApiKeys([a.entry]);
    expect(await keys.verify(a.token)).toEqual({ id: 'a', scope: 'admin' });
    keys.replace([]);
    expect(keys.known(a.token)).toBeUndefined();
    expect(await keys.verify(a.token)).toBeNull();
  });

  it('when a wrong secret, an unknown id or a bare string is sent, then null', async () => {
    const a = await entry('a', 'read');
    const keys = new ApiKeys([a.entry]);
    for (const bad of [`a.${newSecret()}`, `b.${a.token.split('.')[1]}`, 'a.', '.x', 'a', '']) expect(await keys.verify(bad), bad).toBeNull();
  });

  it('when legacy plain keys are configured, then each verifies with scope read and nothing else does', async () => {
    const keys = new ApiKeys([], ['k-one', 'k-two']);
    expect(keys.configured).toBe(true);
    expect(await keys.verify('k-two')).toEqual({ id: 'legacy-2', scope: 'read' });
    expect(await keys.verify('k-three')).toBeNull();
    expect(new ApiKeys([]).configured).toBe(false);
  });
});

describe('ApiKeys under a flood of made-up secrets', () => {
  it('when 100 new wrong secrets for a known id arrive at once, then 2 are checked, 64 wait, the other 34 are answered busy (and not cached)', async () => {
    const a = await entry('wall', 'read');
    const keys = new ApiKeys([a.entry]);
    const tokens = Array.from({ length: 100 }, () => `wall.${newSecret()}`);
    const verdicts = await Promise.all(tokens.map((t) => keys.verify(t)));
    expect(verdicts.filter((v) => v === BUSY)).toHaveLength(34);
    expect(verdicts.filter((v) => v === null)).toHaveLength(66);
    // Busy is not a verdict on the key: asked again when the queue is empty, it is checked.
    const lastBusy = tokens[verdicts.lastIndexOf(BUSY)]!;
    expect(await keys.verify(lastBusy)).toBeNull();
    // And the real key still gets in.
    expect(await keys.verify(a.token)).toEqual({ id: 'wall', scope: 'read' });
  });
});
