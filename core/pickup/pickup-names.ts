/**
 * pickup-names: which names in the pickup folder are mail to take (a table of
 * what writers leave behind while they work), the two folders the relay keeps
 * inside it (badmail/, and the hidden working folder a file is claimed into),
 * and the claimed file's name, which carries the MID it is spooled under.
 */
import path from 'node:path';

/** IIS's name; admins know it. Unparseable files and their .reason.txt go here. */
export const BADMAIL = 'badmail';
/**
 * Files are claimed by an atomic rename into this folder before they are read.
 * Inside the pickup folder (a rename cannot cross volumes), hidden on Unix,
 * and never taken as mail itself (hidden names are skipped).
 */
export const WORKDIR = '.relaywatch-taking';

/**
 * Names a writer uses while it works, or an OS leaves behind: never taken.
 * Matched case-insensitively against the whole name.
 */
const IGNORED: readonly RegExp[] = [
  /^\./, // hidden (Unix), editors' swap files, our own working folder
  /^~/, // Office and many Windows apps' lock/temp files
  /~$/, // editor backups
  /\.(tmp|temp|part|partial|crdownload|download|swp|lock|lck)$/i,
  /^(thumbs\.db|desktop\.ini|\.ds_store)$/i,
  /\.reason\.txt$/i, // a badmail reason copied back by hand is not mail
];

export function isIgnoredName(name: string): boolean {
  return name.toLowerCase() === BADMAIL || IGNORED.some((re) => re.test(name));
}

export interface PickupPaths {
  dir: string;
  work: string;
  badmail: string;
}

/**
 * path.join throughout (no separator written by hand): the same code serves
 * C:\inetpub\mailroot\Pickup and /var/spool/pickup. `p` is for tests (path.win32).
 */
export function pickupPaths(dir: string, p: Pick<typeof path, 'join'> = path): PickupPaths {
  return { dir, work: p.join(dir, WORKDIR), badmail: p.join(dir, BADMAIL) };
}

/** "<mid>-<original name>": the MID is the link to the spooled copy after a crash. */
export function claimName(mid: number, name: string): string {
  return `${mid}-${name}`;
}

export function parseClaimName(claim: string): { mid: number; name: string } | undefined {
  const m = /^(\d{1,15})-(.+)$/s.exec(claim);
  if (!m) return undefined;
  const mid = Number(m[1]);
  return mid > 0 ? { mid, name: m[2]! } : undefined;
}
