import { describe, expect, it } from 'vitest';
import { scanMessage } from '../../bench/scan-client.js';

const MB = 1024 * 1024;

describe('scanMessage', () => {
  const msg = scanMessage(5 * MB, 3);
  const text = msg.toString('latin1');

  it('is about the size asked for (within one base64 line plus headers)', () => {
    expect(msg.length).toBeLessThanOrEqual(5 * MB);
    expect(5 * MB - msg.length).toBeLessThan(200);
  });

  it('is multipart MIME with a base64 application/pdf part in lines of 76 (RFC 2045 §6.8)', () => {
    expect(text).toMatch(/^Content-Type: multipart\/mixed; boundary="(----=_scan_3)"\r\n/m);
    expect(text).toContain('Content-Type: application/pdf; name="scan.pdf"\r\nContent-Transfer-Encoding: base64\r\n');
    const body = text.slice(text.indexOf('filename="scan.pdf"\r\n\r\n') + 23, text.lastIndexOf('------=_scan_3--'));
    const lines = body.split('\r\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(60_000);
    expect(lines.every((l) => l.length === 76 && /^[A-Za-z0-9+/]+$/.test(l))).toBe(true);
    expect(Buffer.from(lines.join(''), 'base64').subarray(0, 8).toString()).toBe('%PDF-1.4');
    expect(text.endsWith('------=_scan_3--\r\n')).toBe(true);
  });

  it('needs no dot-stuffing and uses CRLF only', () => {
    expect(text).not.toMatch(/(^|\r\n)\./);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  });

  it('differs between devices (not one cached payload) and is repeatable', () => {
    expect(scanMessage(100_000, 1).equals(scanMessage(100_000, 2))).toBe(false);
    expect(scanMessage(100_000, 1).equals(scanMessage(100_000, 1))).toBe(true);
  });
});
