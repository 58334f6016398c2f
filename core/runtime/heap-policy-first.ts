/**
 * heap-policy-first: applies heap-policy.ts as a side effect of being
 * imported, so an entry point can import it before anything else.
 *
 * Why a side effect: ES modules evaluate every static import before the
 * importing module's own code runs, and loading the CLI's imports (the config
 * schema) already grows V8's young generation, which then stays grown. Put
 * first in the import list, this runs before them.
 * Owns nothing else; raises nothing.
 */
import { applyHeapPolicy } from './heap-policy.js';

applyHeapPolicy();
