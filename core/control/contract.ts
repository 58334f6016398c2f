/**
 * contract: the core's door to the shared control contract (common/): the
 * operations, their argument and result types, the events. Core modules
 * import it from here; its definitions live in common/ so that the renderer
 * and the shell can use the same names as values.
 */
export * from '../../common/contract.js';
export * from '../../common/events.js';
export * from '../../common/operations.js';
