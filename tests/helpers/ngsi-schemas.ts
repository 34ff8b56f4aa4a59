import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/** The Smart Data Models schemas shipped as fixtures (tests/fixtures/smart-data-models/README.md), compiled with ajv. */
const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../fixtures/smart-data-models/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;

function compile(): { trafficFlowObserved: ValidateFunction; roadSegment: ValidateFunction } {
  // The published schemas name "http://json-schema.org/schema#", which ajv does not know: no meta-schema check.
  const ajv = new Ajv({ strict: false, validateSchema: false, allErrors: true });
  addFormats.default(ajv);
  const strip = ({ $schema: _ignored, ...rest }: Record<string, unknown>): Record<string, unknown> => rest;
  ajv.addSchema(strip(fixture('common-schema.json')));
  return {
    trafficFlowObserved: ajv.compile(strip(fixture('TrafficFlowObserved.schema.json'))),
    roadSegment: ajv.compile(strip(fixture('RoadSegment.schema.json'))),
  };
}

export const sdmSchemas = compile();

/** ajv's errors of the last validation, readable in an expect() message. */
export const schemaErrors = (validate: ValidateFunction): string => JSON.stringify(validate.errors ?? [], null, 1);
