import { Ajv } from 'ajv';
import { z } from 'zod';

/** What the hot paths need of a schema: zod's `safeParse`. A zod schema is one. */
export interface Parser<T> {
  safeParse(value: unknown): z.ZodSafeParseResult<T>;
}

type AnySchema = z.core.$ZodType;

/**
 * zod's verdict, with a fast path for values that are already in the schema's output form.
 *
 * ajv compiles the schema's own JSON Schema (z.toJSONSchema, output side) into a predicate about
 * ten times faster than zod's parse (0.3 against 3 µs for a reading): the difference is a tenth of
 * the embedded pipeline's CPU per reading, as every reading is checked at ingest and again at the
 * writer. A value the predicate accepts is returned as it is; everything else goes to zod, which
 * decides and explains. So zod stays the one definition of the contract and the one source of
 * error messages; tests/unit/contract/fast-path.test.ts holds the predicate to zod's verdicts.
 *
 * Sound only for schemas whose every part JSON Schema states exactly and that return their input
 * unchanged, so compiling refuses anything else (see `checkExact`). The output side makes
 * `z.object` forbid unknown keys (zod would strip them). A `.refine` must carry its JSON Schema
 * form in its own `.meta()` (see countsSchema).
 */
export function withFastPath<T>(schema: z.ZodType<T>): Parser<T> {
  let parser = parsers.get(schema) as Parser<T> | undefined;
  if (!parser) {
    const accepts = compileAccepts(schema);
    parser = { safeParse: (value) => (accepts(value) ? { success: true, data: value as T } : schema.safeParse(value)) };
    parsers.set(schema, parser);
  }
  return parser;
}

const parsers = new WeakMap<AnySchema, Parser<unknown>>();

// As zod matches: patterns without the u flag (both count string lengths in code points). zod
// checks ISO dates by pattern, which the JSON Schema carries too; formats are ignored.
const ajv = new Ajv({ validateFormats: false, unicodeRegExp: false });

/** zod types that return their input unchanged and that JSON Schema states exactly. */
const EXACT_TYPES = new Set(['object', 'string', 'number', 'boolean', 'null', 'optional', 'nullable', 'union', 'array', 'literal', 'enum']);
const EXACT_CHECKS = new Set(['less_than', 'greater_than', 'multiple_of', 'number_format', 'max_length', 'min_length', 'length_equals',
  'max_size', 'min_size', 'size_equals']);
/** String formats zod checks with a pattern alone (which the JSON Schema carries). */
const PATTERN_FORMATS = new Set(['regex', 'datetime']);
/** JSON Schema keywords that constrain a value: a refinement's form must use at least one. */
const VALIDATION_KEYWORDS = ['minProperties', 'maxProperties', 'required', 'minItems', 'maxItems', 'minimum', 'maximum', 'exclusiveMinimum',
  'exclusiveMaximum', 'minLength', 'maxLength', 'pattern', 'enum', 'const', 'not', 'anyOf', 'oneOf', 'allOf', 'multipleOf'];

function compileAccepts(schema: AnySchema): (value: unknown) => boolean {
  const refinedWithoutForm = new Set<AnySchema>();
  const formOf = new Set<AnySchema>(); // refined schemas whose .meta() child writes the refinement out
  const jsonSchema = z.toJSONSchema(schema, {
    io: 'output',
    target: 'draft-7',
    override: ({ zodSchema }) => {
      const refined = checkExact(zodSchema);
      // Own metadata only (a .describe() is metadata too, and get() inherits a parent's).
      const meta = z.globalRegistry.has(zodSchema) ? (z.globalRegistry.get(zodSchema) ?? {}) : {};
      const form = VALIDATION_KEYWORDS.some((k) => k in meta);
      if (form && zodSchema._zod.parent) formOf.add(zodSchema._zod.parent);
      if (refined && !form) refinedWithoutForm.add(zodSchema);
    },
  });
  for (const s of refinedWithoutForm) {
    if (!formOf.has(s)) throw new Error('withFastPath: a .refine() has no JSON Schema form; give it one with .meta(), e.g. { minProperties: 1 }');
  }
  const validate = ajv.compile(jsonSchema);
  return (value) => validate(value);
}

/** Throws for a part the fast path cannot judge exactly; true when the part has a .refine(). */
function checkExact(s: AnySchema): boolean {
  const def = s._zod.def;
  if (!EXACT_TYPES.has(def.type)) throw new Error(`withFastPath: zod type "${def.type}" is not supported`);
  // A format schema (z.email(), z.iso.datetime()) is its own string_format check.
  const checks = [...(def.checks ?? []).map((c) => c._zod.def), ...('format' in def ? [def] : [])] as FormatCheck[];
  let refined = false;
  for (const c of checks) {
    if (c.check === 'custom') refined = true;
    else if (c.check === 'string_format' ? !(PATTERN_FORMATS.has(c.format ?? '') && c.pattern?.flags === '') : !EXACT_CHECKS.has(c.check)) {
      throw new Error(`withFastPath: zod check "${c.check}${c.format ? ` ${c.format}` : ''}" is not supported`);
    }
  }
  return refined;
}

type FormatCheck = { check: string; format?: string; pattern?: RegExp };
