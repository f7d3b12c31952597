/**
 * callback: offers the caller a callback (ctx.offerCallback does the
 * dialogue: the key press, confirming the number or keying another, and
 * booking it with the ACD so it keeps the caller's place).
 *
 *   - id: erbjud-callback
 *     type: callback
 *     queue: kundtjanst          # ACD queue id (default: the service's queue)
 *     branches: { accepted: tack, declined: hejda }
 */
import type { IvrContext } from '../context.js';
import type { NodeDefBase } from '../flow.js';
import { schema } from './common.js';
import { KILLED, NodeTask, nodeType } from './node.js';

export interface CallbackDef extends NodeDefBase {
  readonly type: 'callback';
  readonly queue?: string;
}

class CallbackNode extends NodeTask<CallbackDef> {
  protected async run(ctx: IvrContext): Promise<string | undefined> {
    const result = await this.untilKilled(ctx.offerCallback({ queueId: this.def.queue, priority: ctx.routing.priority }, this.signal));
    if (result === KILLED) return undefined;
    ctx.logger.info({ node: this.def.id, outcome: result.outcome }, 'callback offered');
    return this.follow(result.outcome);
  }
}

export const callback = nodeType<CallbackDef>({
  type: 'callback',
  settings: { queue: schema.queueId },
  branches: ['accepted', 'declined'],
  next: true,
  check(def, env) {
    if (def.queue !== undefined && env.queues && !env.queues.has(def.queue)) {
      return `queue "${def.queue}" is not a configured queue (known: ${[...env.queues].join(', ')})`;
    }
    return undefined;
  },
  create: (def) => new CallbackNode(def),
});
