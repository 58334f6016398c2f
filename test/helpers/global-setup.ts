/**
 * global-setup (vitest): runs once before any worker. Resolves the Chromium
 * the browser tests use (extracting the bundled one at most once) and hands
 * it to the workers through vitest's provide/inject.
 */
import type { TestProject } from 'vitest/node';
import { resolveBrowser } from './browser-binary.js';

export default async function setup(project: TestProject): Promise<void> {
  try {
    const browser = await resolveBrowser();
    project.provide('browser', browser);
  } catch (e) {
    // Browser tests fail with this message; every other test still runs.
    project.provide('browser', { error: (e as Error).message });
  }
}
