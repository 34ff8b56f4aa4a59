import { AppError } from '../errors/app-error.ts';

const MINUTE = 60_000;

/** A history bucket length the stores can group by: a positive whole number of minutes (Store.detectorTotalsByBucket). */
export function checkBucketMs(bucketMs: number): void {
  if (!Number.isSafeInteger(bucketMs) || bucketMs <= 0 || bucketMs % MINUTE !== 0) {
    throw new AppError('bad_request', `history bucket must be a positive whole number of minutes, got ${bucketMs} ms`);
  }
}
