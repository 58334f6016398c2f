/**
 * virtual-window: which rows of a long list to put in the DOM.
 *
 * Owns: the arithmetic of a fixed-row-height virtual list: from the scroll
 * position and viewport height, the first and last row to render (with some
 * overscan so fast scrolling shows no gaps) and the offset of the first one.
 * With fixed heights this is O(1) whatever the length, which is what keeps a
 * 100,000-row queue smooth.
 * Does not own: the DOM (components/VirtualList.svelte).
 * Raises: nothing.
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

/** The scrollTop that brings row `index` into view (or the current one if it is visible). */
export function scrollToReveal(index: number, scrollTop: number, viewport: number, rowHeight: number): number {
  const top = index * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + viewport) return top + rowHeight - viewport;
  return scrollTop;
}
