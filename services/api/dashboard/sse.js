// @ts-check
// Server-sent events parsing (HTML Living Standard, 9.2.6 "Interpreting an event stream"). Pure.

/**
 * @typedef {{ event: string, data: string | undefined, id: string | undefined, retry: number | undefined }} SseEvent
 */

/**
 * Parses the events in text received so far. Returns the complete events and the unfinished rest
 * to prepend to the next chunk. `id` is the event's id field when it had one (for Last-Event-ID).
 * @param {string} text
 * @returns {{ events: SseEvent[], rest: string }}
 */
export function parseSse(text) {
  const blocks = text.split(/\r\n\r\n|\n\n|\r\r/);
  const rest = blocks.pop() ?? '';
  /** @type {SseEvent[]} */
  const events = [];
  for (const block of blocks) {
    /** @type {SseEvent} */
    const event = { event: 'message', data: undefined, id: undefined, retry: undefined };
    /** @type {string[]} */
    const data = [];
    for (const line of block.split(/\r\n|\n|\r/)) {
      if (line === '' || line.startsWith(':')) continue; // a comment (heartbeat)
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') data.push(value);
      else if (field === 'event') event.event = value;
      else if (field === 'id' && !value.includes('\0')) event.id = value;
      else if (field === 'retry' && /^\d+$/.test(value)) event.retry = Number(value);
    }
    if (data.length > 0) event.data = data.join('\n');
    if (event.data !== undefined || event.retry !== undefined || event.id !== undefined) events.push(event);
  }
  return { events, rest };
}
