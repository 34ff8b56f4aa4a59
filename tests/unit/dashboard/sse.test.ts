import { describe, expect, it } from 'vitest';
import { parseSse } from '../../../services/api/dashboard/sse.js';

describe('dashboard server-sent events parsing (HTML 9.2.6)', () => {
  it('when a chunk holds complete events, a heartbeat and the start of the next event, then the complete ones are returned and the rest kept', () => {
    const { events, rest } = parseSse('retry: 3000\n\n: heartbeat\n\nevent: alert\nid: 42\ndata: {"a":1}\n\nevent: congestion\ndata: {"b"');
    expect(events).toEqual([
      { event: 'message', data: undefined, id: undefined, retry: 3000 },
      { event: 'alert', data: '{"a":1}', id: '42', retry: undefined },
    ]);
    expect(rest).toBe('event: congestion\ndata: {"b"');
    expect(parseSse(`${rest}:2}\n\n`).events).toEqual([{ event: 'congestion', data: '{"b":2}', id: undefined, retry: undefined }]);
  });

  it('when data spans several lines and lines end in CRLF, then the lines are joined with \\n', () => {
    expect(parseSse('data: one\r\ndata:two\r\n\r\n').events[0]!.data).toBe('one\ntwo');
  });
});
