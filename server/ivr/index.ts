/**
 * The IVR: flows as data (ivr-flows/*.yaml), checked by ./parse-flow.ts
 * and ./flow-set.ts, held by ./loader.ts (replaced from the running configuration), run for a call by
 * ./interpreter.ts against the IvrContext the call session provides
 * (./context.ts). The format: ./README.md.
 */
export * from './context.js';
export type { Flow, NodeDef, NodeDefBase } from './flow.js';
export { DEFAULT_MAX_STEPS } from './flow.js';
export { FlowRun, runFlow, type EndReason, type FlowResult, type RunOptions } from './interpreter.js';
export { FlowError } from './flow-error.js';
export { FlowSet, loadFlows, type CallKey } from './flow-set.js';
export { FlowLibrary } from './loader.js';
export { parseFlow, type LoadOptions } from './parse-flow.js';
export { NODE_TYPES } from './nodes/index.js';
export type { IvrNode, NodeType } from './nodes/node.js';
export { swedishHoliday, swedishHolidays, type Holiday } from './holidays.js';
export { openState, type OpeningHours } from './opening-hours.js';
