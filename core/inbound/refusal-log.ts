/**
 * refusal-log: one mail-log line for a storm of refused connections, not one
 * per refusal: the first refusal under a rule is logged at once, the rest of its
 * WINDOW_MS window are summed up in one line when it ends (how many, from how
 * many addresses, the most frequent, the last reply). flush() writes what is pending.
 */
import { logLines } from '../log/log-lines.js';
import type { MailLog } from '../log/log-types.js';

const WINDOW_MS = 60_000;

interface Storm {
  started: number;
  count: number;
  byAddress: Map<string, number>;
  reply: string;
  timer: NodeJS.Timeout;
}

export class RefusalLog {
  private readonly storms = new Map<string, Storm>();

  constructor(
    private readonly log: MailLog,
    private readonly windowMs = WINDOW_MS,
  ) {}

  refused(rule: string, address: string, reply: string): void {
    const storm = this.storms.get(rule);
    if (!storm) {
      this.log.info(logLines.connectionRefused(address, reply));
      this.storms.set(rule, this.open(rule, reply));
      return;
    }
    storm.count++;
    storm.byAddress.set(address, (storm.byAddress.get(address) ?? 0) + 1);
    storm.reply = reply;
  }

  /** Writes every pending summary and forgets the storms. */
  flush(): void {
    for (const [rule, storm] of this.storms) {
      clearTimeout(storm.timer);
      this.summarise(storm);
      this.storms.delete(rule);
    }
  }

  private open(rule: string, reply: string): Storm {
    const timer = setTimeout(() => this.windowEnded(rule), this.windowMs);
    timer.unref(); // a quiet relay must be able to exit
    return { started: Date.now(), count: 0, byAddress: new Map(), reply, timer };
  }

  private windowEnded(rule: string): void {
    const storm = this.storms.get(rule);
    if (!storm) return;
    if (storm.count === 0) {
      this.storms.delete(rule);
      return;
    }
    this.summarise(storm);
    this.storms.set(rule, this.open(rule, storm.reply));
  }

  private summarise(storm: Storm): void {
    if (storm.count === 0) return;
    let top = '';
    let topCount = 0;
    for (const [address, n] of storm.byAddress) {
      if (n > topCount) [top, topCount] = [address, n];
    }
    const seconds = Math.max(1, Math.ceil((Date.now() - storm.started) / 1000));
    this.log.info(logLines.connectionsRefused(storm.count, seconds, storm.byAddress.size, top, topCount, storm.reply));
  }
}
