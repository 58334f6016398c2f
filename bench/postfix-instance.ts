/**
 * postfix-instance: a private Postfix, configured like the Relaywatch it is compared
 * with: its own config dir and queue under a temp dir, loopback only, relaying
 * everything to the sink. Every command names that config dir, so the system's
 * /etc/postfix and any system MTA are never touched.
 */
import { chmod, chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BenchError, onCleanup, pollUntil, runCommand } from './bench-process.js';
import { addUsage, dirUsage, type BenchSide, type QueueCounts, type SpoolUsage } from './bench-side.js';
import { treeMemory, type TreeMemory } from './proc-memory.js';
import type { SmtpSink } from './smtp-tools.js';

const ENV = { ...process.env, PATH: `/usr/sbin:/usr/bin:/sbin:/bin:${process.env.PATH ?? ''}` };
/** Queue subdirectories that hold messages, and which of them mean "in flight". */
const MESSAGE_DIRS = ['maildrop', 'incoming', 'active', 'deferred', 'hold'] as const;
const IN_FLIGHT_DIRS = new Set(['maildrop', 'incoming', 'active']);
/** Per-message side files: delivery status logs (defer/) and their kin. */
const LOG_DIRS = ['defer', 'bounce', 'trace'] as const;

export interface PostfixOptions {
  /** A fresh temp dir; it must be traversable by the postfix user. */
  root: string;
  smtpPort: number;
  sink: SmtpSink;
  maxMessageBytes: number;
  maxRecipients: number;
  maxConnections: number;
  connectionsPerDestination: number;
  retrySeconds: number;
}

// The same limits as relaywatch-side.ts: message size, recipients, 20
// connections per destination, and retries an hour apart on both sides, so
// only "retry all" (postqueue -f) starts deferred mail in that figure.
// Postfix's 250 follows cleanup's fsync of the queue file (its default), as
// Relaywatch's does.
function mainCf(o: PostfixOptions, dirs: { conf: string; queue: string; data: string; log: string }): string {
  return `# Private benchmark instance: loopback only, relays everything to the sink.
compatibility_level = 3.6
config_directory = ${dirs.conf}
queue_directory = ${dirs.queue}
data_directory = ${dirs.data}
meta_directory = /etc/postfix
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
maillog_file = ${dirs.log}
maillog_file_prefixes = ${o.root}
myhostname = bench-postfix.localdomain
mydomain = localdomain
myorigin = $myhostname
mydestination =
relay_domains =
local_recipient_maps =
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
relayhost = [127.0.0.1]:${o.sink.port}
message_size_limit = ${o.maxMessageBytes}
smtpd_recipient_limit = ${o.maxRecipients}
default_process_limit = ${o.maxConnections}
default_destination_concurrency_limit = ${o.connectionsPerDestination}
queue_run_delay = ${o.retrySeconds}s
minimal_backoff_time = ${o.retrySeconds}s
maximal_backoff_time = ${o.retrySeconds}s
`;
}

// No chroot (the queue dir is a temp dir), no local delivery, no pickup of
// locally submitted mail beyond the standard pickup daemon.
function masterCf(o: PostfixOptions): string {
  return `# service type  private unpriv  chroot  wakeup  maxproc command
127.0.0.1:${o.smtpPort} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
`;
}

async function countFiles(dir: string): Promise<number> {
  return (await dirUsage(dir)).files;
}

export class PostfixInstance implements BenchSide {
  readonly name = 'postfix' as const;
  readonly conf: string;
  readonly queueDir: string;
  readonly dataDir: string;
  readonly maillog: string;
  private masterPid: number | undefined;
  private unregister: (() => void) | undefined;

  private constructor(private readonly o: PostfixOptions) {
    this.conf = join(o.root, 'conf');
    this.queueDir = join(o.root, 'queue');
    this.dataDir = join(o.root, 'data');
    this.maillog = join(o.root, 'maillog');
  }

  get smtpPort(): number {
    return this.o.smtpPort;
  }

  get sink(): SmtpSink {
    return this.o.sink;
  }

  /** The installed version (postconf -d mail_version); BenchError when Postfix is missing. */
  static async version(): Promise<string> {
    let r;
    try {
      r = await runCommand('postconf', ['-d', 'mail_version'], { env: ENV, timeoutMs: 10_000 });
    } catch (e) {
      throw new BenchError(
        `Postfix is not installed (${(e as Error).message}). Install it without configuring a system MTA:\n` +
          `  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections\n` +
          `  DEBIAN_FRONTEND=noninteractive apt-get install -y postfix`,
      );
    }
    const m = /mail_version = (\S+)/.exec(r.stdout);
    if (r.code !== 0 || !m) throw new BenchError(`postconf -d mail_version failed: ${r.stderr.trim()}`);
    return m[1]!;
  }

  /** Writes the config and queue dirs, runs `postfix check`. */
  static async create(o: PostfixOptions): Promise<PostfixInstance> {
    const pf = new PostfixInstance(o);
    const uid = await idOf('-u', 'postfix');
    const gid = await idOf('-g', 'postfix');
    // mkdtemp makes 0700 dirs; Postfix daemons run as `postfix` and chdir into the queue.
    await chmod(o.root, 0o755);
    for (const d of [pf.conf, pf.queueDir, pf.dataDir]) await mkdir(d, { recursive: true, mode: 0o755 });
    await chown(pf.dataDir, uid, gid);
    await writeFile(join(pf.conf, 'main.cf'), mainCf(o, { conf: pf.conf, queue: pf.queueDir, data: pf.dataDir, log: pf.maillog }));
    await writeFile(join(pf.conf, 'master.cf'), masterCf(o));
    await pf.postfix('check');
    return pf;
  }

  /** Last lines of the instance's own log, for error messages. */
  async logTail(lines = 15): Promise<string> {
    try {
      return (await readFile(this.maillog, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
    } catch (e) {
      return `(no maillog: ${(e as Error).message})`;
    }
  }

  private async postfix(...args: string[]): Promise<void> {
    const r = await runCommand('postfix', ['-c', this.conf, ...args], { env: ENV, timeoutMs: 60_000 });
    // postfix writes to stderr only on a terminal; its messages go to maillog_file.
    if (r.code !== 0) throw new BenchError(`postfix ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}\n${await this.logTail()}`);
  }

  async start(): Promise<void> {
    await this.postfix('start');
    this.unregister = onCleanup('postfix stop', () => this.stop());
    this.masterPid = await pollUntil(
      'the Postfix master pid file',
      async () => {
        try {
          const pid = Number((await readFile(join(this.queueDir, 'pid', 'master.pid'), 'utf8')).trim());
          return pid > 0 ? pid : undefined;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
          throw e;
        }
      },
      { timeoutMs: 10_000 },
    );
  }

  async stop(): Promise<void> {
    const pid = this.masterPid;
    if (pid === undefined) return;
    this.masterPid = undefined;
    this.unregister?.();
    this.unregister = undefined;
    const r = await runCommand('postfix', ['-c', this.conf, 'stop'], { env: ENV, timeoutMs: 30_000 });
    if (r.code !== 0) process.stderr.write(`bench: postfix stop: ${r.stderr.trim()} ${await this.logTail(3)}\n`);
    const gone = await pollUntil('the Postfix master to exit', () => (processAlive(pid) ? undefined : true), { timeoutMs: 15_000 }).catch(
      (e: Error) => {
        process.stderr.write(`bench: ${e.message}; killing master pid ${pid}\n`);
        return false;
      },
    );
    // Only the master this instance started: its children exit when it does.
    if (!gone && processAlive(pid)) process.kill(pid, 'SIGKILL');
  }

  async retryAll(): Promise<void> {
    const r = await runCommand('postqueue', ['-c', this.conf, '-f'], { env: ENV, timeoutMs: 30_000 });
    if (r.code !== 0) throw new BenchError(`postqueue -f failed: ${r.stderr.trim()}`);
  }

  async queue(): Promise<QueueCounts> {
    const counts = await Promise.all(MESSAGE_DIRS.map(async (d) => [d, await countFiles(join(this.queueDir, d))] as const));
    return {
      messages: counts.reduce((a, [, n]) => a + n, 0),
      inFlight: counts.reduce((a, [d, n]) => a + (IN_FLIGHT_DIRS.has(d) ? n : 0), 0),
    };
  }

  /** Queue IDs as Postfix itself lists them (postqueue -j, one JSON object a line). */
  async listQueue(): Promise<{ queue_id: string; queue_name: string }[]> {
    const r = await runCommand('postqueue', ['-c', this.conf, '-j'], { env: ENV, timeoutMs: 120_000 });
    if (r.code !== 0) throw new BenchError(`postqueue -j failed: ${r.stderr.trim()}`);
    return r.stdout
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { queue_id: string; queue_name: string });
  }

  async clearQueue(): Promise<void> {
    const r = await runCommand('postsuper', ['-c', this.conf, '-d', 'ALL'], { env: ENV, timeoutMs: 120_000 });
    if (r.code !== 0) throw new BenchError(`postsuper -d ALL failed: ${r.stderr.trim()}`);
  }

  async memory(): Promise<TreeMemory> {
    if (this.masterPid === undefined) throw new BenchError('postfix is not running');
    return treeMemory(this.masterPid);
  }

  async spool(): Promise<SpoolUsage> {
    const parts = await Promise.all([...MESSAGE_DIRS, ...LOG_DIRS].map((d) => dirUsage(join(this.queueDir, d))));
    return addUsage(...parts);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function idOf(flag: '-u' | '-g', user: string): Promise<number> {
  const r = await runCommand('id', [flag, user], { timeoutMs: 5000 });
  if (r.code !== 0) throw new BenchError(`no "${user}" user: is Postfix installed? ${r.stderr.trim()}`);
  return Number(r.stdout.trim());
}
