import { z } from 'zod';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses environment variables with a zod object schema whose keys are the variable names.
 * Reports every bad variable at once, naming it and the rule. Returns a frozen value.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): Readonly<z.infer<S>> {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const result = schema.safeParse(picked);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? '?');
        return `${name}=${JSON.stringify(env[name] ?? '')}: ${issue.message}`;
      }),
    );
  }
  return Object.freeze(result.data);
}

/** One line per variable, for `--help` and the README table. */
export function describeConfig(schema: z.ZodObject): string[] {
  return Object.entries(schema.shape).map(([key, field]) => {
    const f = field as z.ZodType;
    const parsedDefault = f.safeParse(undefined);
    const def = parsedDefault.success && parsedDefault.data !== undefined ? String(parsedDefault.data) : '(none)';
    return `${key.padEnd(34)} ${f.description ?? ''} [default: ${def}]`;
  });
}
