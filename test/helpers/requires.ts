/**
 * requires: tests that need something this machine may lack
 * (a Debian tool, a platform feature) skip with a one-line note saying what,
 * and the count reporter prints that note; nothing is skipped in silence.
 */
import { spawnSync } from 'node:child_process';
import { beforeEach } from 'vitest';

/** Undefined when `command` is on PATH, else the note to skip with. */
export function missingCommand(command: string, from: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
  return found ? undefined : `needs ${command} (${from})`;
}

/** Undefined on a platform listed, else the note to skip with. */
export function missingPlatform(platforms: NodeJS.Platform[], why: string): string | undefined {
  return platforms.includes(process.platform) ? undefined : `needs ${platforms.join(' or ')} (${why}); this is ${process.platform}`;
}

/** In a describe block (or a file): every test in it skips with the note when one is given. */
export function skipAllUnless(note: string | undefined): void {
  beforeEach((ctx) => {
    if (note) ctx.skip(note);
  });
}

/** Undefined when perl can load `module`, else the note to skip with (swaks --tls needs Net::SSLeay). */
export function missingPerlModule(module: string, from: string): string | undefined {
  const found = spawnSync('perl', [`-M${module}`, '-e', '1'], { stdio: 'ignore' }).status === 0;
  return found ? undefined : `needs perl module ${module} (${from})`;
}
