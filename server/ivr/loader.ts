/**
 * The flows in use: one consistent FlowSet (./flow-set.ts), replaced as a
 * whole when the running configuration's flows change.
 *
 * Every problem with a flow is ONE line naming where it is, the node and
 * the reason (./flow-error.ts; the checks: ./parse-flow.ts and ./flow-set.ts):
 *
 *   flows.kundtjanst: node "meny": branch "2" goes to "saknas", which does not exist
 *   ivr-flows/kundtjanst.yaml: line 7, column 3: invalid YAML: Map keys must be unique
 *
 * A set is checked whole before it replaces the one in use, so the library
 * never holds a bad flow. Calls in progress keep the Flow object they
 * started with (flows are frozen; a replacement makes new ones).
 */
import type { Logger } from 'pino';
import type { Flow } from './flow.js';
import type { CallKey, FlowSet } from './flow-set.js';

export class FlowLibrary {
  private current: FlowSet;

  constructor(flows: FlowSet, private readonly logger: Logger) {
    this.current = flows;
    this.logLoaded(flows, 'ivr flows loaded');
  }

  /** The flows now in use. */
  get flows(): FlowSet {
    return this.current;
  }

  /** The flow a new call runs (see FlowSet.forCall). Keep the object for the whole call. */
  forCall(call: CallKey): Flow | undefined {
    return this.current.forCall(call);
  }

  /** The next call runs these flows; calls in progress keep theirs. */
  replace(flows: FlowSet): void {
    if (flows === this.current) return;
    this.current = flows;
    this.logLoaded(flows, 'ivr flows replaced');
  }

  private logLoaded(flows: FlowSet, msg: string): void {
    for (const w of flows.warnings) this.logger.warn(w);
    this.logger.info({ flows: [...flows.flows.keys()] }, msg);
  }
}
