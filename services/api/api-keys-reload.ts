import { unwatchFile, watchFile, type Stats } from 'node:fs';
import type { Logger } from '../../shared/logging/create-logger.ts';
import { readApiKeysFile } from './api-keys-file.ts';
import type { ApiKeys } from './api-keys.ts';

/** How often the file's mtime is looked at (fs.watchFile polls: works on every file system, renames included). */
const POLL_MS = 1000;

/**
 * Reloads the keys file when it changes (the CLI replaces it by rename), so `npm run api-keys --
 * add|remove` takes effect without a restart. A file that no longer parses keeps the keys in force
 * and logs an error: a typo must not open the API, nor lock every operator out.
 */
export function watchApiKeysFile(file: string, keys: ApiKeys, log: Logger): () => void {
  const onChange = (curr: Stats, prev: Stats) => {
    if (curr.mtimeMs === prev.mtimeMs && curr.ino === prev.ino && curr.size === prev.size) return;
    try {
      const entries = readApiKeysFile(file);
      keys.replace(entries);
      log.info({ file, keys: entries.length }, 'API keys reloaded');
    } catch (err) {
      log.error({ err, file }, 'API keys file unreadable; keeping the keys loaded before');
    }
  };
  watchFile(file, { interval: POLL_MS, persistent: false }, onChange);
  return () => unwatchFile(file, onChange);
}
