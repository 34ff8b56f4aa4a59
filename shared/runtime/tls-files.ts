import { readFileSync, unwatchFile, watchFile, type Stats } from 'node:fs';
import { createSecureContext, type SecureContextOptions, type Server as TlsServer } from 'node:tls';
import type { Logger } from '../logging/create-logger.ts';

/** PEM files of a TLS listener, each with the ROADPULSE_* variable that named it (for error messages). */
export interface TlsFiles {
  cert: { file: string; variable: string };
  key: { file: string; variable: string };
  ca?: { file: string; variable: string };
}

/** A certificate, key or CA that cannot be used; the message names the variables. */
export class TlsFilesError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TlsFilesError';
  }
}

/** Reads the files and checks that they make a secure context (PEM parses, the key matches the certificate). */
export function readTlsFiles(files: TlsFiles): SecureContextOptions {
  const read = (entry: { file: string; variable: string }): Buffer => {
    try {
      return readFileSync(entry.file);
    } catch (err) {
      throw new TlsFilesError(`${entry.variable}=${JSON.stringify(entry.file)}: ${(err as Error).message}`, { cause: err });
    }
  };
  const options: SecureContextOptions = { cert: read(files.cert), key: read(files.key), ...(files.ca ? { ca: read(files.ca) } : {}) };
  try {
    createSecureContext(options);
  } catch (err) {
    const named = [files.cert, files.key, ...(files.ca ? [files.ca] : [])].map((e) => `${e.variable}=${JSON.stringify(e.file)}`);
    throw new TlsFilesError(`not a usable certificate, key and CA (${named.join(', ')}): ${(err as Error).message}`, { cause: err });
  }
  return options;
}

/**
 * Reloads the server's certificate and key when one of the files changes (renewal), through
 * `server.setSecureContext`: new handshakes use the new certificate, open connections keep theirs.
 * The files are polled (fs.watchFile, every second): unlike fs.watch, that also sees a file
 * replaced by a rename or a symlink swap (certbot, Kubernetes secrets). A change that does not
 * make a usable context (e.g. the certificate written, its key not yet) is logged and the old
 * context kept; the next change is tried again. Returns a function that stops watching.
 */
export function watchTlsFiles(
  server: TlsServer,
  files: TlsFiles,
  deps: { log: Logger; listener: string; onReload?: (result: 'ok' | 'failed') => void; intervalMs?: number },
): () => void {
  const paths = [files.cert.file, files.key.file, ...(files.ca ? [files.ca.file] : [])];
  let timer: NodeJS.Timeout | null = null;
  const reload = (): void => {
    timer = null;
    try {
      server.setSecureContext(readTlsFiles(files));
      deps.log.info({ listener: deps.listener, cert: files.cert.file }, 'TLS certificate reloaded');
      deps.onReload?.('ok');
    } catch (err) {
      deps.log.warn({ listener: deps.listener, err: (err as Error).message }, 'TLS files changed but cannot be used; keeping the previous certificate');
      deps.onReload?.('failed');
    }
  };
  const changed = (current: Stats, previous: Stats): void => {
    if (current.mtimeMs === previous.mtimeMs && current.ino === previous.ino && current.size === previous.size) return;
    // Certificate and key are often written one after the other: wait a moment for both.
    if (timer) clearTimeout(timer);
    timer = setTimeout(reload, 200);
  };
  for (const path of paths) watchFile(path, { interval: deps.intervalMs ?? 1000, persistent: false }, changed);
  return () => {
    if (timer) clearTimeout(timer);
    for (const path of paths) unwatchFile(path, changed);
  };
}
