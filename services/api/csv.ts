import type { FastifyReply, FastifyRequest } from 'fastify';
import { z, type ZodType } from 'zod';

/**
 * CSV export of list routes (RFC 4180): `?format=csv`, or `Accept: text/csv` preferred over
 * application/json, answers text/csv instead of JSON. A route opts in with three pieces:
 *
 *   querystring: z.strictObject({ …, ...formatQuery }),
 *   response: { 200: jsonOrCsvResponse(jsonSchema, CSV_EXAMPLE) },            // OpenAPI: both media types
 *   handler: return replyMaybeCsv(req, reply, body, { rows: body.items, columns: ITEM_COLUMNS, filename: 'items.csv' });
 */

export const formatQuery = {
  format: z.enum(['json', 'csv']).optional().describe('`csv`: the rows as text/csv (as with `Accept: text/csv`); default JSON'),
};

export interface CsvExport<Row> {
  rows: readonly Row[];
  /** Header and column order: the JSON row's fields in a stable order. */
  columns: readonly (keyof Row & string)[];
  /** Suggested file name (characters other than [A-Za-z0-9._-] become "_"). */
  filename: string;
}

/**
 * The JSON body, or (when the request asks for CSV) the rows sent as an attachment. Either way the
 * response varies with Accept. Return its result from the route's handler.
 */
export function replyMaybeCsv<T, Row>(req: FastifyRequest, reply: FastifyReply, json: T, csv: CsvExport<Row>): T | FastifyReply {
  addVary(reply, 'Accept');
  if (!wantsCsv(req)) return json;
  const filename = csv.filename.replace(/[^A-Za-z0-9._-]/g, '_');
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .send(toCsv(csv.rows, csv.columns));
}

/** Appends to Vary rather than replacing what another hook (CORS: Origin) put there. */
function addVary(reply: FastifyReply, field: string): void {
  const current = reply.getHeader('vary');
  const fields = (Array.isArray(current) ? current.join(',') : String(current ?? '')).split(',').map((f) => f.trim()).filter(Boolean);
  if (!fields.some((f) => f.toLowerCase() === field.toLowerCase() || f === '*')) reply.header('vary', [...fields, field].join(', '));
}

/** `?format=` decides; without it, Accept (RFC 9110 §12.5.1): CSV only if text/csv has a higher quality than application/json. */
export function wantsCsv(req: FastifyRequest): boolean {
  const format = (req.query as { format?: unknown } | undefined)?.format;
  if (format !== undefined) return format === 'csv';
  const accept = req.headers.accept;
  if (!accept) return false;
  const csv = quality(accept, 'text/csv');
  return csv > 0 && csv > quality(accept, 'application/json');
}

/** The quality Accept gives a media type: of its most specific matching range (type/sub, type/*, then *\/*), 0 if none. */
function quality(accept: string, mediaType: string): number {
  const [main] = mediaType.split('/');
  let best = { specificity: -1, q: 0 };
  for (const part of accept.split(',')) {
    const [range = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    const specificity = range === mediaType ? 2 : range === `${main}/*` ? 1 : range === '*/*' ? 0 : -1;
    if (specificity <= best.specificity) continue;
    const q = params.find((p) => p.startsWith('q='));
    const value = q === undefined ? 1 : Number(q.slice(2));
    best = { specificity, q: Number.isFinite(value) ? value : 0 };
  }
  return best.q;
}

/**
 * RFC 4180: a header row, then one row per item, CRLF line ends; a field with a comma, a double
 * quote, CR or LF is quoted and its quotes doubled. null and undefined are empty fields; a Date is
 * ISO 8601; objects and arrays are their JSON text.
 */
export function toCsv<Row>(rows: readonly Row[], columns: readonly (keyof Row & string)[]): string {
  const lines = [columns.map(field).join(',')];
  for (const row of rows) lines.push(columns.map((c) => field(row[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

function field(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text =
    value instanceof Date ? value.toISOString() : typeof value === 'object' ? JSON.stringify(value) : String(value as string | number | boolean);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** An OpenAPI 200 response of either media type: the JSON schema, or text/csv with an example. */
export function jsonOrCsvResponse(json: ZodType, csvExample: string) {
  return {
    description: 'JSON, or CSV with `?format=csv` or `Accept: text/csv`',
    content: {
      'application/json': { schema: json },
      'text/csv': { schema: z.string().meta({ description: 'RFC 4180, header row of the JSON fields, UTF-8', example: csvExample }) },
    },
  };
}
