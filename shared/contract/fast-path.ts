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
 * error messages; tests/unit/fast-path.test.ts holds the predicate to zod's verdicts.
 *
 * The output side is what makes "returned as it is" right: there `z.object` forbids unknown keys
 * (zod would strip them), and a default or transform makes generation throw. zod cannot write a
 * `.refine` as JSON Schema and would silently leave it out, so a refined schema must carry its
 * JSON Schema form in `.meta()` (see countsSchema), or compiling throws.
 */
export function withFastPath<T>(schema: z.ZodType<T>): Parser<T> {
  const accepts = compileAccepts(schema);
  return {
    safeParse: (value) => (accepts(value) ? { success: true, data: value as T } : schema.safeParse(value)),
  };
}

const ajv = new Ajv({ validateFormats: false }); // zod checks ISO dates by pattern, which the JSON Schema carries too

function compileAccepts(schema: AnySchema): (value: unknown) => boolean {
  const refinedWithoutForm = new Set<AnySchema>();
  const formOf = new Set<AnySchema>(); // schemas whose refinement a .meta() child writes out
  const jsonSchema = z.toJSONSchema(schema, {
    io: 'output',
    target: 'draft-7',
    override: ({ zodSchema }) => {
      const hasMeta = z.globalRegistry.get(zodSchema) !== undefined;
      if (hasMeta && zodSchema._zod.parent) formOf.add(zodSchema._zod.parent);
      const refined = (zodSchema._zod.def.checks ?? []).some((c) => c._zod.def.check === 'custom');
      if (refined && !hasMeta) refinedWithoutForm.add(zodSchema);
    },
  });
  for (const s of refinedWithoutForm) {
    if (!formOf.has(s)) throw new Error('withFastPath: a .refine() has no JSON Schema form; give it one with .meta()');
  }
  const validate = ajv.compile(jsonSchema);
  return (value) => validate(value);
}
