/** The text/event-stream parser: fields, comments, line endings and chunk boundaries. */
import { describe, expect, it } from 'vitest';
import { SseParser } from '../../../../core/control/client/sse-parser.js';

describe('SseParser', () => {
  it('parses id, event, multi-line data and retry; skips comments and data-less frames', () => {
    const p = new SseParser();
    const frames = p.push('retry: 3000\n\n: heartbeat\n\nid: 5\nevent: host\ndata: {"a":1}\n\ndata: x\ndata:y\n\n');
    expect(frames).toEqual([
      { event: 'host', data: '{"a":1}', id: '5' },
      // The last id persists; a frame without `event:` is a "message".
      { event: 'message', data: 'x\ny', id: '5' },
    ]);
  });

  it('handles CRLF and CR line endings, also split across chunks', () => {
    const p = new SseParser();
    const text = 'id: 1\r\nevent: log\r\ndata: a\r\n\r\nid: 2\rdata: b\r\r';
    const out = [];
    for (const ch of text) out.push(...p.push(ch));
    expect(out).toEqual([
      { event: 'log', data: 'a', id: '1' },
      { event: 'message', data: 'b', id: '2' },
    ]);
  });

  it('does not dispatch an unfinished frame', () => {
    const p = new SseParser();
    expect(p.push('id: 1\nevent: x\ndata: 1')).toEqual([]);
    expect(p.push('\n')).toEqual([]);
    expect(p.push('\n')).toEqual([{ event: 'x', data: '1', id: '1' }]);
  });
});
