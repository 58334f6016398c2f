/**
 * sse-stream: the control events as server-sent events (GET /api/events):
 * frames (`id`, `event`, `data`), resuming from Last-Event-ID out of the hub's
 * ring (or `resync` when it no longer reaches back), heartbeats, and dropping a
 * client that stops reading. Authentication is done before (http-api.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventEnvelope } from '../control/contract.js';
import type { EventHub } from '../control/event-hub.js';

export interface SseOptions {
  heartbeatMs: number;
  /** Unsent bytes after which a client that stopped reading is dropped (it resumes on reconnect). */
  maxBufferedBytes: number;
}

export const SSE_DEFAULTS: SseOptions = { heartbeatMs: 15_000, maxBufferedBytes: 1024 * 1024 };

export function envelopeFrame(e: EventEnvelope): string {
  // JSON.stringify escapes newlines, so the data is always one `data:` line.
  return `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
}

export function resyncFrame(seq: number, reason: string): string {
  return `id: ${seq}\nevent: resync\ndata: ${JSON.stringify({ seq, reason })}\n\n`;
}

/** The client's last seen seq, or undefined for "live only". */
export function lastEventId(req: IncomingMessage, url: URL): number | undefined {
  const raw = req.headers['last-event-id'] ?? url.searchParams.get('lastEventId') ?? undefined;
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

export class SseClients {
  private readonly open = new Set<() => void>();

  constructor(
    private readonly hub: EventHub,
    private readonly opts: SseOptions,
  ) {}

  get size(): number {
    return this.open.size;
  }

  serve(res: ServerResponse, since: number | undefined): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // One stream per connection, never reused: closing it with the stream
      // lets the server shut down without waiting for a client's idle timeout.
      connection: 'close',
      // Tells a reverse proxy (if someone puts one in front) not to buffer.
      'x-accel-buffering': 'no',
    });
    let ended = false;
    // Comments keep idle proxies and NAT tables from closing the stream.
    const beat = setInterval(() => write(': heartbeat\n\n'), this.opts.heartbeatMs);
    beat.unref();
    let unsubscribe = (): void => undefined;
    const end = (): void => {
      if (ended) return;
      ended = true;
      clearInterval(beat);
      unsubscribe();
      this.open.delete(end);
      res.end();
    };
    const write = (chunk: string): void => {
      if (ended) return;
      res.write(chunk);
      if (res.writableLength > this.opts.maxBufferedBytes) end();
    };
    this.open.add(end);
    // Only the response's 'close': since Node 16 the request's 'close' fires
    // as soon as its (empty) body has been read, not when the client leaves.
    res.once('close', end);

    // The hub replays synchronously inside subscribe(); hold those frames
    // until we know whether the replay is complete, so that a client that
    // missed too much gets one `resync` instead of a gap it cannot see.
    let replay: EventEnvelope[] | undefined = [];
    const sub = this.hub.subscribe((e) => {
      if (replay) replay.push(e);
      else write(envelopeFrame(e));
    }, since);
    unsubscribe = sub.unsubscribe;
    const held = replay;
    replay = undefined;
    write('retry: 3000\n\n');
    // A seq beyond ours means the client saw a previous run of the relay
    // (seq restarts at 0): its state is stale, and its duplicate filter
    // would drop our new low-numbered events.
    const fromOtherRun = since !== undefined && since > this.hub.lastSeq;
    if (!sub.complete || fromOtherRun) {
      write(resyncFrame(this.hub.lastSeq, fromOtherRun ? 'relay restarted' : 'events were missed'));
    } else {
      for (const e of held) write(envelopeFrame(e));
    }
  }

  /** Ends every stream (server shutdown). */
  closeAll(): void {
    for (const end of [...this.open]) end();
  }
}
