/**
 * control-token: the control API's bearer token in the data dir: created on
 * first start (256 random bits, mode 0600 from its first byte), read back by the
 * relay and by local clients (local-relay.ts). Raises RelayError EARGS naming the file.
 */
import { randomBytes } from 'node:crypto';
import { link, lstat, open, readFile, unlink } from 'node:fs/promises';
import { RelayError } from '../errors/relay-error.js';
import { PRIVATE_FILE_MODE } from '../file-modes.js';

/** 32 random bytes in base64url are 43 characters; shorter is not ours. */
const TOKEN_RE = /^[A-Za-z0-9_-]{43,128}$/;

const fail = (file: string, why: string): RelayError =>
  new RelayError({ code: 'EARGS', message: `control token ${file}: ${why}`, temporary: false });

/** Returns the token in `file`, creating the file (mode 0600) when it does not exist yet. */
export async function ensureToken(file: string): Promise<string> {
  const existing = await readIfExists(file, true);
  if (existing !== undefined) return existing;
  const token = randomBytes(32).toString('base64url');
  // Written under a temporary name and then hard-linked into place: link()
  // never replaces an existing file, so two relays racing on a fresh data dir
  // agree on one token, and no reader ever sees a half-written file. 'wx' with
  // the mode at open() means the file is 0600 from its first byte (a chmod
  // afterwards would leave a window in which it is readable by others).
  // The temp file goes whatever happens (a full disk fails the write after
  // open() created it).
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fh = await open(tmp, 'wx', PRIVATE_FILE_MODE).catch((e: Error) => {
    throw fail(file, `cannot create (${e.message})`);
  });
  try {
    try {
      await fh.writeFile(`${token}\n`);
      await fh.sync();
    } catch (e) {
      throw fail(file, `cannot create (${(e as Error).message})`);
    } finally {
      await fh.close();
    }
    await link(tmp, file);
  } catch (e) {
    if (e instanceof RelayError) throw e;
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw fail(file, `cannot create (${(e as Error).message})`);
    // Another process won the race: use its token.
    const theirs = await readIfExists(file, true);
    if (theirs === undefined) throw fail(file, 'disappeared while being created');
    return theirs;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  return token;
}

/** Reads the token for a client (the CLI). */
export async function readToken(file: string): Promise<string> {
  const token = await readIfExists(file, false);
  if (token === undefined) throw fail(file, 'not found (is the relay running with this data dir?)');
  return token;
}

async function readIfExists(file: string, checkMode: boolean): Promise<string | undefined> {
  let text: string;
  try {
    const st = await lstat(file);
    if (!st.isFile()) throw fail(file, 'is not a regular file');
    // Group/world bits set means someone else on this machine may have read it:
    // refuse rather than serve the control API with a leaked secret.
    if (checkMode && process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      throw fail(file, `is readable by other users (mode ${(st.mode & 0o777).toString(8)}); delete it (a new one is created) or chmod 600 it`);
    }
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (e instanceof RelayError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EACCES' || code === 'EPERM') throw fail(file, 'permission denied (run as the user that runs the relay)');
    throw fail(file, `cannot read (${(e as Error).message})`);
  }
  const token = text.trim();
  if (!TOKEN_RE.test(token)) throw fail(file, 'does not hold a valid token; delete it and restart the relay');
  return token;
}
