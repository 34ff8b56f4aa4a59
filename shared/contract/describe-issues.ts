import type { z } from 'zod';

/** A zod error as one line for a dead letter or a log: "path: message; …", at most five issues. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}
