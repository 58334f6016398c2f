/**
 * webhook-channel: POSTs each alert to `alerts.webhook.url` in its format,
 * one at a time and in order (a "back up" never overtakes its "down").
 * Retries with back-off when the receiver fails (5xx, 408, 429, a timeout, a
 * refused connection), honouring Retry-After; gives up at once on any other
 * answer (404: the webhook was deleted). Rate-limited as a safety net behind
 * the rules' own flap summaries. The URL carries the receiver's secret
 * (Teams and Slack put the key in the path): logs show only its origin.
 */
import { logLines } from '../log/log-lines.js';
import type { MailLog } from '../log/log-types.js';
import type { Alert } from './alert.js';
import { WEBHOOK_FORMATS, type WebhookFormat } from './webhook-format.js';

export interface WebhookPolicy {
  /** Waits before each retry; their count is the number of retries. */
  retryMs: readonly number[];
  /** Longest Retry-After honoured. */
  maxRetryAfterMs: number;
  timeoutMs: number;
  /** At most `max` POSTs in any `windowMs`; alerts beyond are dropped and logged. */
  rate: { max: number; windowMs: number };
  /** Alerts waiting behind a failing receiver at most (the oldest go first). */
  maxPending: number;
}

export const WEBHOOK_POLICY: WebhookPolicy = {
  retryMs: [5_000, 15_000, 60_000, 300_000, 900_000],
  maxRetryAfterMs: 900_000,
  timeoutMs: 10_000,
  rate: { max: 20, windowMs: 600_000 },
  maxPending: 100,
};

/** "https://corp.webhook.office.com/…": enough to tell which receiver, never its key. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return '(invalid URL)';
  }
}

type Attempt = { ok: true } | { ok: false; retry: boolean; reason: string; retryAfterMs?: number };

export class WebhookChannel {
  private readonly pending: Alert[] = [];
  private running: Promise<void> | undefined;
  private readonly sentAt: number[] = [];
  private dropped = 0;
  private stopped = false;
  private readonly wakers = new Set<() => void>();
  readonly where: string;

  constructor(
    private readonly opts: { url: string; format: WebhookFormat; log: MailLog; policy?: Partial<WebhookPolicy>; now?: () => number },
  ) {
    this.where = redactUrl(opts.url);
  }

  private get policy(): WebhookPolicy {
    return { ...WEBHOOK_POLICY, ...this.opts.policy };
  }

  send(a: Alert): void {
    if (this.stopped) return;
    const now = (this.opts.now ?? Date.now)();
    const { max, windowMs } = this.policy.rate;
    while (this.sentAt.length && now - this.sentAt[0]! >= windowMs) this.sentAt.shift();
    if (this.sentAt.length >= max) {
      this.dropped++;
      // One line per ten dropped, not one per alert: the limit exists for floods.
      if (this.dropped % 10 === 1) this.opts.log.warn(logLines.alertsRateLimited(this.dropped, `${max} per ${Math.round(windowMs / 60_000)} min`));
      return;
    }
    this.sentAt.push(now);
    if (this.pending.length >= this.policy.maxPending) {
      const old = this.pending.shift()!;
      this.opts.log.warn(logLines.alertFailed('webhook', old.event, this.where, 'too many alerts waiting for the receiver'));
    }
    this.pending.push(a);
    this.running ??= this.drain().finally(() => (this.running = undefined));
  }

  /** Resolves when nothing is waiting or being sent (tests, and a clean stop). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  stop(): void {
    this.stopped = true;
    this.pending.length = 0;
    for (const w of this.wakers) w();
  }

  private async drain(): Promise<void> {
    for (let a = this.pending.shift(); a && !this.stopped; a = this.pending.shift()) await this.deliver(a);
  }

  private async deliver(a: Alert): Promise<void> {
    const body = JSON.stringify(WEBHOOK_FORMATS[this.opts.format](a));
    const { retryMs, maxRetryAfterMs } = this.policy;
    for (let attempt = 1; ; attempt++) {
      const r = await this.post(body);
      if (r.ok) {
        this.opts.log.info(logLines.alertSent('webhook', a.event, this.where));
        return;
      }
      const wait = retryMs[attempt - 1];
      if (!r.retry || wait === undefined || this.stopped) {
        this.opts.log.warn(logLines.alertFailed('webhook', a.event, this.where, r.retry ? `${r.reason} after ${attempt} attempts` : r.reason));
        return;
      }
      const ms = Math.min(Math.max(wait, r.retryAfterMs ?? 0), maxRetryAfterMs);
      this.opts.log.warn(logLines.alertRetry(this.where, attempt, r.reason, ms / 1000));
      await this.sleep(ms);
      if (this.stopped) return;
    }
  }

  private async post(body: string): Promise<Attempt> {
    let res: Response;
    try {
      res = await fetch(this.opts.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        // A redirect would resend the alert elsewhere: refuse it.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.policy.timeoutMs),
      });
      // Read (and discard) the body so the connection can be reused.
      await res.arrayBuffer().catch(() => undefined);
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      const reason = err.name === 'TimeoutError' ? `no answer in ${this.policy.timeoutMs / 1000}s` : (err.cause?.code ?? err.message);
      return { ok: false, retry: true, reason };
    }
    if (res.status >= 200 && res.status < 300) return { ok: true };
    const retry = res.status >= 500 || res.status === 408 || res.status === 429;
    const after = Number(res.headers.get('retry-after'));
    return { ok: false, retry, reason: `HTTP ${res.status}`, ...(Number.isFinite(after) && after > 0 ? { retryAfterMs: after * 1000 } : {}) };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(t);
        this.wakers.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      t.unref();
      this.wakers.add(wake);
    });
  }
}
