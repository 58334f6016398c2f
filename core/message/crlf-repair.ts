/**
 * crlf-repair: turns a chunk of content into CRLF-only, NUL-free bytes (a bare
 * LF or CR becomes CRLF, NUL is dropped) with Buffer.indexOf scans: the shared
 * core of the inbound BodyNormalizer and the outbound LineGuard.
 */
import { isCrlfClean } from './crlf-clean.js';

const CR = 0x0d;
const LF = 0x0a;
const NUL = 0x00;
const CRLF = Buffer.from('\r\n');

export interface CrlfState {
  /** The previous chunk ended in CR: whether it pairs with an LF is known only now. */
  pendingCr: boolean;
  /** Bytes changed so far (CRs/LFs added, NULs removed). */
  repaired: number;
}

/**
 * Repairs `chunk` and returns the bytes to pass on (possibly empty); a CR at
 * its end is held back in `state` until the next byte is known, so "...\r" +
 * "\n..." is one CRLF. NUL bytes go first, so "\r\0\n" is one CRLF too.
 * Only the places that need repair are visited (memchr via indexOf): a clean
 * 100 KB chunk costs a few thousand native searches, not 100,000 JavaScript
 * iterations (issue 16's profile).
 */
export function repairCrlf(chunk: Buffer, state: CrlfState): Buffer {
  if (!state.pendingCr && isCrlfClean(chunk)) return chunk;
  const data = dropNul(chunk, state);
  const out: Buffer[] = [];
  let copyFrom = 0; // start of the bytes not yet passed on
  let pos = 0; // where the next search starts
  if (state.pendingCr && data.length > 0) {
    state.pendingCr = false;
    out.push(CRLF);
    if (data[0] === LF) pos = copyFrom = 1;
    else state.repaired++; // that CR was bare
  }
  let cr = data.indexOf(CR, pos);
  let lf = data.indexOf(LF, pos);
  while (cr !== -1 || lf !== -1) {
    if (lf !== -1 && (cr === -1 || lf < cr)) {
      // An LF that no CR precedes (a CR right before it was consumed with it).
      out.push(data.subarray(copyFrom, lf), CRLF);
      state.repaired++;
      pos = copyFrom = lf + 1;
    } else if (cr === data.length - 1) {
      out.push(data.subarray(copyFrom, cr));
      state.pendingCr = true;
      pos = copyFrom = data.length;
    } else if (data[cr + 1] === LF) {
      pos = cr + 2; // a proper CRLF: stays in the copied run
    } else {
      out.push(data.subarray(copyFrom, cr), CRLF);
      state.repaired++;
      pos = copyFrom = cr + 1;
    }
    if (cr !== -1 && cr < pos) cr = data.indexOf(CR, pos);
    if (lf !== -1 && lf < pos) lf = data.indexOf(LF, pos);
  }
  if (copyFrom < data.length) out.push(copyFrom === 0 ? data : data.subarray(copyFrom));
  return out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out);
}

/** `chunk` without its NUL bytes (the same buffer when it has none). */
function dropNul(chunk: Buffer, state: CrlfState): Buffer {
  let nul = chunk.indexOf(NUL);
  if (nul === -1) return chunk;
  const parts: Buffer[] = [];
  let from = 0;
  while (nul !== -1) {
    parts.push(chunk.subarray(from, nul));
    state.repaired++;
    from = nul + 1;
    nul = chunk.indexOf(NUL, from);
  }
  parts.push(chunk.subarray(from));
  return Buffer.concat(parts);
}
