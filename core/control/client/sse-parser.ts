/**
 * sse-parser: the text/event-stream format (WHATWG HTML §9.2.6) read
 * incrementally from chunks of text; unknown fields are ignored as the spec says.
 */

export interface SseFrame {
  /** `message` when the frame named none. */
  event: string;
  data: string;
  /** The last event id seen on the stream so far (it persists across frames). */
  id: string;
  retry?: number;
}

export class SseParser {
  private buf = '';
  private lastId = '';
  private event = '';
  private data: string[] = [];
  private retry: number | undefined;
  private pendingCr = false;

  /** Feeds a chunk; returns the frames it completed. */
  push(chunk: string): SseFrame[] {
    const out: SseFrame[] = [];
    let text = chunk;
    // A CR at the end of the previous chunk may be the first half of a CRLF.
    if (this.pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.pendingCr = false;
    this.buf += text;
    let start = 0;
    for (let i = 0; i < this.buf.length; i++) {
      const c = this.buf[i];
      if (c !== '\n' && c !== '\r') continue;
      const line = this.buf.slice(start, i);
      if (c === '\r') {
        if (i + 1 < this.buf.length) {
          if (this.buf[i + 1] === '\n') i++;
        } else {
          this.pendingCr = true;
        }
      }
      start = i + 1;
      const frame = this.line(line);
      if (frame) out.push(frame);
    }
    this.buf = this.buf.slice(start);
    return out;
  }

  private line(line: string): SseFrame | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.lastId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retry = Number(value);
    return undefined;
  }

  private dispatch(): SseFrame | undefined {
    const hadData = this.data.length > 0;
    const frame: SseFrame = { event: this.event || 'message', data: this.data.join('\n'), id: this.lastId };
    if (this.retry !== undefined) frame.retry = this.retry;
    this.event = '';
    this.data = [];
    this.retry = undefined;
    // Per the spec, a frame without data is not dispatched.
    return hadData ? frame : undefined;
  }
}
