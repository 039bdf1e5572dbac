import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** One envelope item: its header line and its decoded JSON payload. */
export interface EnvelopeItem {
  header: { type: string; length?: number };
  payload: unknown;
}

export interface ReceivedEnvelope {
  /** The request target, e.g. `/api/1/envelope/?sentry_key=…`. */
  url: string;
  /** The decoded (gunzipped) body, exactly as the SDK serialised it. */
  raw: string;
  header: Record<string, unknown>;
  items: EnvelopeItem[];
}

/** The parts of an error event the tests read. */
export interface SentryEvent {
  event_id: string;
  transaction?: string;
  environment?: string;
  release?: string;
  level?: string;
  request?: Record<string, unknown>;
  tags?: Record<string, string>;
  exception?: { values: { type: string; value: string; mechanism?: { handled: boolean } }[] };
}

/**
 * Sentry envelopes: a JSON header line, then per item a JSON header line and its payload, which
 * is `length` bytes when the header says so and runs to the next newline otherwise.
 */
export function parseEnvelope(body: Buffer): Pick<ReceivedEnvelope, 'header' | 'items'> {
  let offset = 0;
  const readLine = () => {
    const end = body.indexOf(0x0a, offset);
    const line = body.subarray(offset, end === -1 ? body.length : end);
    offset = end === -1 ? body.length : end + 1;
    return line.toString('utf8');
  };
  const header = JSON.parse(readLine()) as Record<string, unknown>;
  const items: EnvelopeItem[] = [];
  while (offset < body.length) {
    const line = readLine();
    if (line.trim() === '') continue;
    const itemHeader = JSON.parse(line) as EnvelopeItem['header'];
    let payload: string;
    if (itemHeader.length !== undefined) {
      payload = body.subarray(offset, offset + itemHeader.length).toString('utf8');
      offset += itemHeader.length + 1;
    } else {
      payload = readLine();
    }
    items.push({ header: itemHeader, payload: JSON.parse(payload) as unknown });
  }
  return { header, items };
}

/**
 * A local stand-in for Sentry's ingest endpoint: the DSN `http://publickey@127.0.0.1:<port>/1`
 * makes the SDK POST envelopes to `/api/1/envelope/`; anything else is recorded as unexpected.
 */
export class SentryIngestServer {
  readonly envelopes: ReceivedEnvelope[] = [];
  readonly unexpected: string[] = [];
  private readonly listeners = new Set<() => void>();
  private readonly server = createServer((request, response) => this.handle(request, response));
  private port = 0;

  static async start(): Promise<SentryIngestServer> {
    const ingest = new SentryIngestServer();
    await new Promise<void>((resolve) => ingest.server.listen(0, '127.0.0.1', resolve));
    ingest.port = (ingest.server.address() as AddressInfo).port;
    return ingest;
  }

  get dsn(): string {
    return `http://publickey@127.0.0.1:${this.port}/1`;
  }

  /** Error events received so far, in arrival order. */
  events(): SentryEvent[] {
    return this.envelopes.flatMap((envelope) =>
      envelope.items.filter((item) => item.header.type === 'event').map((item) => item.payload as SentryEvent),
    );
  }

  /** Every byte the SDK sent, to search for secrets. */
  rawBodies(): string {
    return this.envelopes.map((envelope) => `${envelope.url}\n${envelope.raw}`).join('\n');
  }

  /** Resolves once an event matching the predicate has arrived (the test's timeout bounds the wait). */
  waitForEvent(predicate: (event: SentryEvent) => boolean): Promise<SentryEvent> {
    return new Promise((resolve) => {
      const check = () => {
        const found = this.events().find(predicate);
        if (!found) return;
        this.listeners.delete(check);
        resolve(found);
      };
      this.listeners.add(check);
      check();
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = request.url ?? '';
      if (request.method !== 'POST' || !url.startsWith('/api/1/envelope/')) {
        this.unexpected.push(`${request.method} ${url}`);
        response.writeHead(404).end();
        return;
      }
      const body = Buffer.concat(chunks);
      // The SDK gzips bodies above 32 KB.
      const decoded = request.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
      this.envelopes.push({ url, raw: decoded.toString('utf8'), ...parseEnvelope(decoded) });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      for (const listener of [...this.listeners]) listener();
    });
  }
}
