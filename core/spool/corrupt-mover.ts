/**
 * corrupt-mover: moves spool entries into the corrupt dir, never deleting one:
 * under its own name, or with a numeric suffix (`12.msg.1`) when that name is
 * taken. Moves run one at a time, so two never pick the same free name.
 */
import { join } from 'node:path';
import { errnoOf, type SpoolFs } from './spool-fs.js';

const MAX_SUFFIX = 10_000;

export class CorruptMover {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly fs: SpoolFs,
    private readonly fromDir: string,
    readonly toDir: string,
  ) {}

  /** Moves `fromDir/name` and resolves with its new full path. */
  move(name: string): Promise<string> {
    const run = (): Promise<string> => this.moveNow(name);
    const result = this.chain.then(run, run);
    // The chain only orders the moves; each caller gets its own outcome from `result`.
    this.chain = result.catch(() => undefined);
    return result;
  }

  private async moveNow(name: string): Promise<string> {
    for (let n = 0; n < MAX_SUFFIX; n++) {
      const dest = join(this.toDir, n === 0 ? name : `${name}.${n}`);
      if (await this.exists(dest)) continue;
      await this.fs.rename(join(this.fromDir, name), dest);
      return dest;
    }
    throw new Error(`no free name for ${name} in ${this.toDir}`);
  }

  private async exists(path: string): Promise<boolean> {
    try {
      await this.fs.stat(path);
      return true;
    } catch (e) {
      if (errnoOf(e) === 'ENOENT') return false;
      throw e;
    }
  }
}
