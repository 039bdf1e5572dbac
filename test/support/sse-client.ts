import { request, type ClientRequest, type IncomingHttpHeaders } from 'node:http';

export interface SseEvent {
  type: string;
  id?: string;
  retry?: number;
  data: string;
}

/**
 * A minimal text/event-stream client over node:http (its own connection, no keep-alive agent),
 * so a test can open a stream with a bearer token, read its events as they come, and cut the
 * connection the way a closed browser tab does.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  status = 0;
  headers: IncomingHttpHeaders = {};
  /** Body of a non-stream answer (401/403). */
  body = '';
  /** Resolves when the server ends the response (or the connection closes). */
  readonly ended: Promise<'ended' | 'closed'>;
  private readonly request: ClientRequest;
  private readonly waiters = new Set<() => void>();

  constructor(url: string, token?: string) {
    let settle!: (how: 'ended' | 'closed') => void;
    this.ended = new Promise((resolve) => (settle = resolve));
    this.request = request(url, {
      agent: false,
      headers: { accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    this.request.on('response', (response) => {
      this.status = response.statusCode ?? 0;
      this.headers = response.headers;
      response.setEncoding('utf8');
      let buffer = '';
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          this.parse(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
        if (this.status !== 200) this.body += chunk;
        this.notify();
      });
      response.on('end', () => settle('ended'));
      response.on('close', () => settle('closed'));
      this.notify();
    });
    this.request.on('error', () => settle('closed'));
    this.request.on('close', () => this.notify());
    this.request.end();
  }

  /** Resolves once `check` holds (re-checked on every chunk); rejects after `timeoutMs`, which only guards against a hang. */
  waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const attempt = () => {
        if (!check()) return;
        clearTimeout(timer);
        this.waiters.delete(attempt);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(attempt);
        reject(new Error(`SSE condition not met within ${timeoutMs} ms (status ${this.status}, ${this.events.length} events)`));
      }, timeoutMs);
      this.waiters.add(attempt);
      attempt();
    });
  }

  waitForEvents(count: number): Promise<void> {
    return this.waitFor(() => this.events.length >= count);
  }

  /** Waits for the response head (status and headers). */
  waitForResponse(): Promise<void> {
    return this.waitFor(() => this.status !== 0);
  }

  snapshots<T = Record<string, unknown>>(): T[] {
    return this.events.filter((event) => event.type === 'snapshot').map((event) => JSON.parse(event.data) as T);
  }

  ids(): number[] {
    return this.events.map((event) => Number(event.id));
  }

  /** Cuts the connection, as a closed tab or a dropped network does. */
  close(): void {
    this.request.destroy();
  }

  private parse(block: string): void {
    const event: SseEvent = { type: 'message', data: '' };
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event.type = value;
      else if (field === 'id') event.id = value;
      else if (field === 'retry') event.retry = Number(value);
      else if (field === 'data') data.push(value);
    }
    if (data.length === 0) return;
    event.data = data.join('\n');
    this.events.push(event);
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
