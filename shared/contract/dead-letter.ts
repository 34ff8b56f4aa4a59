import { z } from 'zod';

/** Machine-readable rejection reasons (DESIGN §3). */
export const REJECTION_REASONS = [
  'invalid_json',
  'schema',
  'topic_mismatch',
  'unknown_segment',
  'future_ts',
  'stale_ts',
  'too_large',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export const DEAD_LETTER_PAYLOAD_BYTES = 4096;

export const deadLetterSchema = z.object({
  reason: z.enum(REJECTION_REASONS),
  detail: z.string(),
  mqttTopic: z.string(),
  clientId: z.string().nullable(),
  sensorId: z.string().nullable(),
  receivedAt: z.string(),
  /** Index of the rejected reading inside a batch; null for a whole-message rejection. */
  batchIndex: z.number().int().nullable(),
  /** The raw payload as UTF-8 text, cut to its first 4 KiB. */
  payload: z.string(),
  payloadTruncated: z.boolean(),
});
export type DeadLetter = z.infer<typeof deadLetterSchema>;
