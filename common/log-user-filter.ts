/**
 * log-user-filter: which mail-log lines belong to one authenticated user (`log tail --user`,
 * the Log view's user filter): the lines of the sessions that logged in as them (ICIDs), of
 * the messages they sent (MIDs), and their failed logins. The ids are learnt from the AUTH
 * lines (log-lines.ts authSuccess, authUser), so a live view keeps up as lines arrive.
 */

const AUTH_SUCCESS = /\bICID (\d+) AUTH success user (\S+)/;
const AUTH_USER = /\bMID (\d+) ICID (\d+) AUTH user (\S+)/;
const AUTH_FAILED = /\bAUTH failed user (\S+)/;
const START_MID = /\bStart MID (\d+) ICID (\d+)/;
const IDS = /\b(ICID|MID) (\d+)\b/g;

export class UserLineFilter {
  private readonly icids = new Set<number>();
  private readonly mids = new Set<number>();
  private readonly user: string;

  /** Account names are matched without regard to case, as AUTH matches them. */
  constructor(user: string) {
    this.user = user.toLowerCase();
  }

  /**
   * Learns the user's ICIDs and MIDs from `line`. The AUTH lines carry both,
   * in any order they are read; a `Start MID` line ties a MID to a known ICID
   * only when read after that session's login (oldest first).
   */
  learn(line: string): void {
    if (!line.includes(' AUTH ') && !line.includes('Start MID')) return;
    const s = AUTH_SUCCESS.exec(line);
    if (s && s[2]!.toLowerCase() === this.user) this.icids.add(Number(s[1]));
    const u = AUTH_USER.exec(line);
    if (u && u[3]!.toLowerCase() === this.user) {
      this.mids.add(Number(u[1]));
      this.icids.add(Number(u[2]));
    }
    const m = START_MID.exec(line);
    if (m && this.icids.has(Number(m[2]))) this.mids.add(Number(m[1]));
  }

  /** Whether `line` is about the user, from what has been learnt so far. */
  matches(line: string): boolean {
    const f = AUTH_FAILED.exec(line);
    if (f) return f[1]!.toLowerCase() === this.user;
    for (const m of line.matchAll(IDS)) {
      if ((m[1] === 'MID' ? this.mids : this.icids).has(Number(m[2]))) return true;
    }
    return false;
  }

  /**
   * Takes every id of a line already known to be the user's (a tail the relay
   * filtered), so a live view goes on where that tail ends, even when the
   * login itself is older than the tail.
   */
  seed(line: string): void {
    if (AUTH_FAILED.test(line)) return; // that session did not log in as the user
    for (const m of line.matchAll(IDS)) (m[1] === 'MID' ? this.mids : this.icids).add(Number(m[2]));
  }

  /** learn, then matches: for lines read oldest first (a live view). */
  test(line: string): boolean {
    this.learn(line);
    return this.matches(line);
  }

  /** Whether anything about the user has been learnt. */
  get empty(): boolean {
    return this.icids.size === 0 && this.mids.size === 0;
  }
}
