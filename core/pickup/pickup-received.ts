/**
 * pickup-received: the trace field the relay puts on a message it took from
 * the pickup folder. No "from" or "with" clause: there was no client and no
 * protocol (RFC 5321 §4.4 makes both optional), as Postfix's pickup writes it.
 */
import { rfc5322Date } from '../inbound/received-header.js';

/** "Received: by relay.example (Relaywatch pickup) id 42;\r\n\tSat, 22 Nov 2025 22:37:05 +0100\r\n" */
export function pickupReceivedHeader(hostname: string, mid: number, date: Date): string {
  const name = hostname.replace(/[^A-Za-z0-9.:_[\]-]/g, '?').slice(0, 255);
  return `Received: by ${name} (Relaywatch pickup) id ${mid};\r\n\t${rfc5322Date(date)}\r\n`;
}
