/**
 * heap-policy-first: applies heap-policy.ts as a side effect of being imported.
 * ES modules evaluate every static import before the importer's own code, and
 * loading the CLI's imports already grows V8's young generation; imported first,
 * this runs before them.
 */
import { applyHeapPolicy } from './heap-policy.js';

applyHeapPolicy();
