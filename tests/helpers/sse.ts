/** A server-sent events client on fetch for tests: keeps the raw text and parses complete events. */
export interface SseEvent {
  id: string | null;
  event: string;
  data: string;
}

export interface SseClient {
  status: number;
  contentType: string;
  /** Everything received so far, comments included. */
  raw(): string;
  /** Complete events so far (comments and `retry:` are not events). */
  events(): SseEvent[];
  /** Resolves when the server ends the stream (or close() aborted it). */
  ended: Promise<void>;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  let raw = '';
  const ended = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body) raw += decoder.decode(chunk as Uint8Array, { stream: true });
    } catch {
      // aborted by close()
    }
  })();
  const events = (): SseEvent[] =>
    raw
      .split('\n\n')
      .slice(0, -1)
      .flatMap((block) => {
        const lines = block.split('\n').filter((l) => !l.startsWith(':'));
        const field = (name: string) => lines.filter((l) => l.startsWith(`${name}:`)).map((l) => l.slice(name.length + 1).replace(/^ /, ''));
        const data = field('data');
        return data.length > 0 ? [{ id: field('id')[0] ?? null, event: field('event')[0] ?? 'message', data: data.join('\n') }] : [];
      });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', raw: () => raw, events, ended, close: () => controller.abort() };
}
