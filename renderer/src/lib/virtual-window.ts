/**
 * virtual-window: which rows of a fixed-row-height list to put in the DOM (with overscan, so fast
 * scrolling shows no gaps), in O(1) whatever the length: what keeps a 100,000-row queue smooth.
 * The DOM side is components/VirtualList.svelte.
 */

export interface WindowRange {
  /** First row index to render (inclusive). */
  start: number;
  /** Last row index to render (exclusive). */
  end: number;
  /** Pixel offset of row `start` from the top of the list. */
  offset: number;
  /** Height of the whole list in pixels. */
  height: number;
}

export function visibleRange(scrollTop: number, viewport: number, rowHeight: number, count: number, overscan = 6): WindowRange {
  const height = Math.max(0, count * rowHeight);
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0, offset: 0, height };
  const top = Math.min(Math.max(0, scrollTop), Math.max(0, height - viewport));
  const first = Math.floor(top / rowHeight);
  const shown = Math.ceil(Math.max(viewport, rowHeight) / rowHeight) + 1;
  const start = Math.max(0, first - overscan);
  const end = Math.min(count, first + shown + overscan);
  return { start, end, offset: start * rowHeight, height };
}
