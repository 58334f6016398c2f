/** Which mail-log lines are one SMTP AUTH account's: its sessions, its messages, its failed logins. */
import { describe, expect, it } from 'vitest';
import { UserLineFilter } from '../../common/log-user-filter.js';
import { logLines } from '../../core/log/log-lines.js';

// One session each for scanner (ICID 7, MID 30) and copier (ICID 8, MID 31), oldest first.
const LOG = [
  logLines.newIcid(7, '127.0.0.1', '192.0.2.7', 587),
  logLines.authFailed(6, 'scanner', 'PLAIN', '535 5.7.8 Authentication credentials invalid'),
  logLines.authSuccess(7, 'scanner', 'PLAIN'),
  logLines.authSuccess(8, 'copier', 'LOGIN'),
  logLines.startMid(30, 7),
  logLines.startMid(31, 8),
  logLines.from(30, 7, 'scanner@office.example'),
  logLines.authUser(30, 7, 'scanner'),
  logLines.authUser(31, 8, 'copier'),
  logLines.ready(30, 1234, 'scanner@office.example'),
  logLines.deliveryStart(300, 31, [0]),
  logLines.deliveryStart(301, 30, [0]),
  logLines.messageFinished(30, 'done'),
  logLines.icidClose(7),
  logLines.icidClose(70),
];

describe('UserLineFilter', () => {
  it('read oldest first (a live view), keeps the sessions, messages and failed logins of the user, case-insensitively', () => {
    const f = new UserLineFilter('SCANNER');
    expect(LOG.filter((l) => f.test(l))).toEqual([
      logLines.authFailed(6, 'scanner', 'PLAIN', '535 5.7.8 Authentication credentials invalid'),
      logLines.authSuccess(7, 'scanner', 'PLAIN'),
      logLines.startMid(30, 7),
      logLines.from(30, 7, 'scanner@office.example'),
      logLines.authUser(30, 7, 'scanner'),
      logLines.ready(30, 1234, 'scanner@office.example'),
      logLines.deliveryStart(301, 30, [0]),
      logLines.messageFinished(30, 'done'),
      logLines.icidClose(7),
    ]);
  });

  it('learns every id from the AUTH lines in any order (the relay reads its log backwards first)', () => {
    const f = new UserLineFilter('scanner');
    for (const l of [...LOG].reverse()) f.learn(l);
    // The session's connect line precedes its login: known once the login is learnt.
    expect(LOG.filter((l) => f.matches(l))).toContain(logLines.newIcid(7, '127.0.0.1', '192.0.2.7', 587));
    expect(LOG.filter((l) => f.matches(l))).not.toContain(logLines.deliveryStart(300, 31, [0]));
  });

  it('seeded from a tail the relay filtered, follows on without seeing the login', () => {
    const f = new UserLineFilter('scanner');
    f.seed(logLines.ready(30, 1234, 'scanner@office.example'));
    f.seed(logLines.authFailed(9, 'scanner', 'PLAIN', '535')); // ICID 9 never logged in as scanner
    expect(f.test(logLines.deliveryStart(301, 30, [0]))).toBe(true);
    expect(f.test(logLines.icidClose(9))).toBe(false);
    expect(f.test(logLines.deliveryStart(300, 31, [0]))).toBe(false);
  });

  it('a user name inside another does not match ("scan" is not "scanner")', () => {
    const f = new UserLineFilter('scan');
    expect(LOG.filter((l) => f.test(l))).toEqual([]);
  });
});
