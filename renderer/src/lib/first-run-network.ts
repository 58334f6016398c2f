/**
 * first-run-network: the rules of the first-run guide's "who may send" step:
 * the relay networks it proposes (loopback always, plus the networks ticked)
 * and their check, field by field, which refuses an open relay (0.0.0.0/0,
 * ::/0) unless the person says they understand.
 */
import type { EditableConfig } from '../../../common/contract.js';
import { RULES, type FieldErrors } from './settings-rules.js';

/** Always allowed: this computer itself. */
export const LOOPBACK_NETWORKS = ['127.0.0.0/8', '::1/128'];

export interface NetworkStep {
  listenHost: string;
  listenPort: number;
  /** The machine's networks ticked, CIDR. */
  ticked: string[];
  /** Typed by the person, one per line or separated by commas or spaces. */
  other: string;
  openRelayUnderstood: boolean;
}

export function otherNetworks(text: string): string[] {
  return text.split(/[\s,]+/).filter((s) => s !== '');
}

/** A prefix of 0 matches every address: anyone on the internet could send. */
export function isOpenRelay(cidr: string): boolean {
  return /\/0+$/.test(cidr.trim());
}

export function checkNetworkStep(s: NetworkStep): FieldErrors {
  const e: FieldErrors = {};
  const host = RULES.host(s.listenHost);
  if (host) e['listen.host'] = host;
  const port = RULES.listenPort(s.listenPort);
  if (port) e['listen.port'] = port;
  const bad: string[] = [];
  let open = false;
  for (const n of otherNetworks(s.other)) {
    const why = RULES.cidr(n);
    if (why) bad.push(`${n} ${why}`);
    else if (isOpenRelay(n)) open = true;
  }
  if (bad.length > 0) e.relayNetworks = bad.join('; ');
  else if (open && !s.openRelayUnderstood) {
    e.relayNetworks = 'a /0 network lets anyone who reaches this computer send mail through it (an open relay): tick "I understand" below if you mean it';
  }
  return e;
}

/** What the step saves: loopback, the networks ticked, the ones typed (each once). */
export function networkSettings(s: NetworkStep): Pick<EditableConfig, 'listen' | 'relayNetworks'> {
  return {
    listen: { host: s.listenHost.trim(), port: s.listenPort },
    relayNetworks: [...new Set([...LOOPBACK_NETWORKS, ...s.ticked, ...otherNetworks(s.other)])],
  };
}
