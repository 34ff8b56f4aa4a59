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
  return deepFreeze(result.data);
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** One line per variable, for `--help` and the README table. */
export function describeConfig(schema: z.ZodObject): string[] {
  return Object.entries(schema.shape).map(([key, field]) => {
    const f = field as z.ZodType;
    const parsedDefault = f.safeParse(undefined);
    const def = parsedDefault.success ? formatDefault(parsedDefault.data) : '(none)';
    return `${key.padEnd(34)} ${f.description ?? ''} [default: ${def}]`;
  });
}

/** A default as the user would write it in the variable. */
function formatDefault(value: unknown): string {
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return '(none)';
  if (Array.isArray(value)) return value.join(',');
  if (value && typeof value === 'object') {
    return Object.entries(value)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(',');
  }
  return String(value);
}
