import type { Admin } from 'kafkajs';
import type { Logger } from '../logging/create-logger.ts';

export interface TopicSettings {
  partitions: number;
  replicationFactor: number;
}

/**
 * Creates the topics that do not exist yet (DESIGN §6); existing topics are left as they are (their
 * partition count is not changed: that would move keys to other partitions and break per-segment order).
 * Safe when several instances start at once: "already exists" counts as done.
 */
export async function ensureTopics(admin: Admin, names: readonly string[], settings: TopicSettings, log: Logger): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = [...new Set(names)].filter((t) => !existing.has(t));
  if (missing.length === 0) return [];
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({
        topic,
        numPartitions: settings.partitions,
        replicationFactor: settings.replicationFactor,
      })),
    });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  log.info({ topics: missing, ...settings }, 'kafka topics created');
  return missing;
}

function isAlreadyExists(err: unknown): boolean {
  const e = err as { type?: string; errors?: { type?: string }[] } | null;
  if (e?.type === 'TOPIC_ALREADY_EXISTS') return true;
  return Array.isArray(e?.errors) && e.errors.length > 0 && e.errors.every((x) => x.type === 'TOPIC_ALREADY_EXISTS');
}
