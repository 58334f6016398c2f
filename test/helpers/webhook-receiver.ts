/**
 * webhook-receiver: a loopback HTTP server standing in for a Teams, Slack or
 * generic webhook: records every POST (path, headers, parsed JSON body),
 * answers from a script of statuses (then 200), and lets a test await the
 * n-th POST instead of sleeping.
 */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedPost {
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface WebhookReceiver {
  /** http://127.0.0.1:port/<path>: a secret-looking path, as Teams and Slack give. */
  readonly url: string;
  readonly posts: ReceivedPost[];
  /** Statuses for the next POSTs, in order (e.g. [500] = fail once); 200 after. */
  readonly script: number[];
  waitForPosts(n: number, timeoutMs?: number): Promise<ReceivedPost[]>;
  stop(): Promise<void>;
}

export async function startWebhookReceiver(path = '/webhookb2/SECRET-KEY-0123456789/IncomingWebhook/abc'): Promise<WebhookReceiver> {
  const posts: ReceivedPost[] = [];
  const script: number[] = [];
  const waiters = new Set<() => void>();
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Recorded as text: the test's assertion on the shape fails and shows it.
      }
      posts.push({ path: req.url ?? '', headers: req.headers, body });
      const status = script.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 200 ? '1' : 'failed');
      for (const w of [...waiters]) w();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    posts,
    script,
    waitForPosts(n, timeoutMs = 10_000) {
      if (posts.length >= n) return Promise.resolve(posts);
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (posts.length < n) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(posts);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`webhook receiver: ${posts.length} POSTs after ${timeoutMs} ms, waited for ${n}`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    async stop() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
