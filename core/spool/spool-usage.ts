/**
 * spool-usage: the running total of bytes in spool files for diskUsage(), kept
 * by write/remove/quarantine and filled by the start-up scan, so diskUsage()
 * never walks the directory per call.
 */

const COUNT_WINDOW = 32;

export interface UsageSource {
  /** MIDs of the files now in the spool dir. */
  listMids(): Promise<number[]>;
  /** The file size of a MID, or undefined if it is gone. */
  sizeOf(mid: number): Promise<number | undefined>;
}

export class SpoolUsage {
  private readonly sizes = new Map<number, number>();
  private total = 0;
  /** True once every file on disk is in `sizes` (a full scan or count ran). */
  private complete = false;
  private counting: Promise<void> | undefined;
  /** forget() during a count: the count must not add these back from a stale stat. */
  private readonly forgottenWhileCounting = new Set<number>();

  track(mid: number, bytes: number): void {
    this.total += bytes - (this.sizes.get(mid) ?? 0);
    this.sizes.set(mid, bytes);
  }

  forget(mid: number): void {
    const old = this.sizes.get(mid);
    if (old !== undefined) {
      this.sizes.delete(mid);
      this.total -= old;
    }
    if (this.counting) this.forgottenWhileCounting.add(mid);
  }

  /** scan() saw every file. */
  markComplete(): void {
    this.complete = true;
  }

  async bytes(source: UsageSource): Promise<number> {
    if (!this.complete) {
      await (this.counting ??= this.count(source).finally(() => {
        this.counting = undefined;
        this.forgottenWhileCounting.clear();
      }));
    }
    return this.total;
  }

  private async count(source: UsageSource): Promise<void> {
    const mids = await source.listMids();
    for (let i = 0; i < mids.length; i += COUNT_WINDOW) {
      await Promise.all(
        mids.slice(i, i + COUNT_WINDOW).map(async (mid) => {
          if (this.sizes.has(mid)) return;
          const size = await source.sizeOf(mid);
          if (size === undefined || this.sizes.has(mid) || this.forgottenWhileCounting.has(mid)) return;
          this.track(mid, size);
        }),
      );
    }
    this.complete = true;
  }
}
