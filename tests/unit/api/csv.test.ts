import Fastify, { type FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { replyMaybeCsv, toCsv, wantsCsv } from '../../../services/api/csv.ts';
import { parseCsv } from '../../helpers/csv.ts';

const req = (accept: string | undefined, format?: string) => ({ headers: { accept }, query: format === undefined ? {} : { format } }) as unknown as FastifyRequest;

describe('toCsv (RFC 4180)', () => {
  it('when fields hold commas, double quotes, CR and LF, then they are quoted with doubled quotes, and parse back to the same text', () => {
    const rows = [
      { id: 'a', note: 'plain', n: 1.5 },
      { id: 'b', note: 'he said "stop", then left', n: -2 },
      { id: 'c', note: 'two\nlines\r\nand a CR\r', n: 0 },
      { id: 'd', note: '"', n: 1e21 },
    ];

    const text = toCsv(rows, ['id', 'note', 'n']);

    expect(text).toBe(
      'id,note,n\r\na,plain,1.5\r\nb,"he said ""stop"", then left",-2\r\nc,"two\nlines\r\nand a CR\r",0\r\nd,"""",1e+21\r\n',
    );
    expect(parseCsv(text)).toEqual([['id', 'note', 'n'], ...rows.map((r) => [r.id, r.note, String(r.n)])]);
  });

  it('when values are null, undefined, booleans, dates or objects, then they are empty, true/false, ISO 8601 and JSON text', () => {
    const at = new Date(Date.UTC(2026, 11, 4, 1, 2, 3, 4));
    const text = toCsv([{ a: null, b: undefined, c: true, d: at, e: { x: [1, 'y,z'] } }], ['a', 'b', 'c', 'd', 'e']);
    expect(text).toBe('a,b,c,d,e\r\n,,true,2026-12-04T01:02:03.004Z,"{""x"":[1,""y,z""]}"\r\n');
  });

  it('when there are no rows, then the header row alone; columns follow the given order, not the objects\' key order', () => {
    expect(toCsv([], ['b', 'a'])).toBe('b,a\r\n');
    expect(toCsv([{ a: 1, b: 2 }], ['b', 'a'])).toBe('b,a\r\n2,1\r\n');
  });
});

describe('wantsCsv', () => {
  it.each([
    [undefined, undefined, false],
    ['*/*', undefined, false],
    ['application/json', undefined, false],
    ['text/csv', undefined, true],
    ['TEXT/CSV; charset=utf-8', undefined, true],
    ['text/*', undefined, true],
    ['text/csv, application/json', undefined, false], // equal quality: JSON, the default
    ['application/json;q=0.5, text/csv', undefined, true],
    ['text/csv;q=0.4, */*;q=0.5', undefined, false],
    ['text/csv;q=0, */*', undefined, false],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', undefined, false], // a browser
    ['text/csv', 'json', false], // ?format wins over Accept
    ['application/json', 'csv', true],
  ])('when Accept is %s and format is %s, then CSV: %s', (accept, format, want) => {
    expect(wantsCsv(req(accept, format))).toBe(want);
  });
});

describe('replyMaybeCsv', () => {
  it('when a route returns through it, then JSON by default and the rows as a CSV attachment when asked, Vary keeping what a hook set', async () => {
    const app = Fastify();
    app.addHook('onRequest', async (_req, reply) => {
      reply.header('vary', 'Origin'); // as @fastify/cors does
    });
    const rows = [{ id: 'a-1', at: '2026-12-04T01:00:00.000Z', note: 'x, "y"' }];
    app.get('/items', async (req, reply) => replyMaybeCsv(req, reply, { items: rows }, { rows, columns: ['id', 'at', 'note'], filename: 'items é/1.csv' }));

    const json = await app.inject({ url: '/items' });
    expect(json.json()).toEqual({ items: rows });
    expect(json.headers['vary']).toBe('Origin, Accept');
    const csv = await app.inject({ url: '/items?format=csv' });
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe('attachment; filename="items___1.csv"');
    expect(csv.headers['vary']).toBe('Origin, Accept');
    expect(csv.body).toBe('id,at,note\r\na-1,2026-12-04T01:00:00.000Z,"x, ""y"""\r\n');
    await app.close();
  });
});
