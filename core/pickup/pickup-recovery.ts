/**
 * pickup-recovery: at start, finishes what a crash interrupted in the working
 * folder. A claim whose MID is in the spool was spooled and only its unlink
 * was lost: it is removed, not spooled again (the spool's reconciliation
 * queues the message). A claim without a spool file never got that far: it is
 * processed again, under the MID it was claimed with.
 */
import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { logLines } from '../log/log-lines.js';
import { parseClaimName } from './pickup-names.js';
import { processClaim, type TakeDeps } from './take-file.js';

export interface RecoveryDeps extends TakeDeps {
  /** Whether the spool holds this MID's file (a stat, no read). */
  isSpooled(mid: number): Promise<boolean>;
}

/**
 * Must run before the scheduler starts: a recovered message delivered and
 * removed from the spool before its claim was looked at would look unspooled.
 * In a running relay the claim is unlinked before the message is queued, so
 * this is the only moment both can exist.
 */
export async function recoverClaims(deps: RecoveryDeps): Promise<{ finished: number; retaken: number }> {
  const out = { finished: 0, retaken: 0 };
  for (const entry of await readdir(deps.paths.work)) {
    const claim = parseClaimName(entry);
    const path = join(deps.paths.work, entry);
    if (!claim) continue; // not ours; left for the admin
    if (await deps.isSpooled(claim.mid)) {
      await unlink(path);
      await deps.workSync.sync();
      deps.log.info(logLines.pickupFinished(claim.mid, claim.name));
      out.finished++;
    } else {
      await processClaim(deps, { ...claim, path });
      out.retaken++;
    }
  }
  return out;
}
