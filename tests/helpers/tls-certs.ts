import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCerts {
  dir: string;
  /** A self-signed CA that signed everything below. */
  caCert: string;
  /** Server certificates for 127.0.0.1 / localhost: two, to test a reload. */
  server: { cert: string; key: string };
  server2: { cert: string; key: string };
  /** A client certificate with CN = "dev-1". */
  client: { cert: string; key: string };
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Generates a CA, two server certificates and a client certificate (P-256 keys) into dir with openssl. */
export function makeTestCerts(dir: string): TestCerts {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(dir, ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=roadpulse-test-ca']);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  const sign = (name: string, subject: string, ext: string): { cert: string; key: string } => {
    openssl(dir, ['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', ext]);
    return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  };
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    server: sign('server', '/CN=localhost', 'server.ext'),
    server2: sign('server2', '/CN=localhost', 'server.ext'),
    client: sign('client', '/CN=dev-1', 'client.ext'),
  };
}

export const pem = (file: string): Buffer => readFileSync(file);
