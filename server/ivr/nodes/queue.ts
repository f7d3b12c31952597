/**
 * queue: hands the call to the ACD (ctx.enqueue) and waits until the queue
 * is done with it. What the caller hears while waiting (music, position and
 * estimated wait, brand messages, the callback offer) is the call session's
 * queue experience (server/calls/queue-experience.ts); this node passes the
 * flow's settings for it.
 *
 *   - id: ko
 *     type: queue
 *     queue: kundtjanst                  # ACD queue id (default: the service's queue)
 *     agent: "{{vars.serviceman}}"       # personal queue: this agent's extension first (default: the number's personalAgent)
 *     priority: 0                        # added to the call's priority (VIP from an http node)
 *     maxWaitSeconds: 900                # then the overflow branch
 *     music: default                     # music on hold from the prompt manifest
 *     announceEverySeconds: 60           # position and estimated wait
 *     offerCallbackAfterSeconds: 120     # "press 1 to be called back"
 *     offerCallbackWhenWaitOverSeconds: 300
 *     brandMessages: [kustbanken-reklam] # announcement slots, in turn (an unrecorded one is passed over)
 *     brandMessageEverySeconds: 90       # at every 90 s of waiting
 *     branches: { overflow: erbjud-callback, failed: stangt }
 *
 * `agent` makes it a personal queue call: the call waits for that agent
 * (an extension, usually a placeholder filled by an http node or keyed in)
 * and after the queue's personalOverflowSeconds any of the queue's agents
 * may take it. Filled in empty, the call is an ordinary queue call; without
 * `agent`, the call's own personal agent (config numbers[].personalAgent)
 * is used when it has one.
 *
 * When an agent answers, the caller takes a callback or hangs up, the flow
 * ends here. `overflow` (the maximum wait passed) and `failed` (the queue
 * could not take the call) go to their branch, else `next`.
 */
import type { IvrContext, QueueExperience } from '../context.js';
import type { NodeDefBase } from '../flow.js';
import { fillTemplate, templateProblem } from '../template.js';
import { schema } from './common.js';
import { KILLED, NodeTask, nodeType } from './node.js';

export interface QueueDef extends NodeDefBase, QueueExperience {
  readonly type: 'queue';
  readonly queue?: string;
  /** Template of the personal agent's extension, e.g. "{{vars.serviceman}}". */
  readonly agent?: string;
  readonly priority?: number;
  readonly maxWaitSeconds?: number;
}

class QueueNode extends NodeTask<QueueDef> {
  protected async run(ctx: IvrContext): Promise<string | undefined> {
    const d = this.def;
    const experience: QueueExperience = {};
    for (const key of EXPERIENCE_KEYS) {
      if (d[key] !== undefined) (experience as Record<string, unknown>)[key] = d[key];
    }
    const { caller, dialled, service, language, callId } = ctx.call;
    const personalAgentId = this.personalAgent(ctx);
    const result = await this.untilKilled(
      ctx.enqueue(
        {
          queueId: d.queue,
          ...(personalAgentId !== undefined ? { personalAgentId } : {}),
          priority: ctx.routing.priority + (d.priority ?? 0),
          ...(d.maxWaitSeconds !== undefined ? { maxWaitSeconds: d.maxWaitSeconds } : {}),
          experience,
          data: { ...ctx.variables, caller, dialled, service, language, callId, ...(ctx.routing.vip ? { vip: 'true' } : {}) },
        },
        this.signal,
      ),
    );
    if (result === KILLED) return undefined;
    ctx.logger.info({ node: d.id, queue: d.queue, personalAgentId, outcome: result.outcome }, 'queue done');
    switch (result.outcome) {
      case 'answered':
      case 'callback':
      case 'abandoned':
        return undefined;
      case 'overflow':
        return this.follow('overflow');
      case 'failed':
        ctx.logger.warn({ node: d.id, reason: result.reason }, 'the queue could not take the call');
        return this.follow('failed');
    }
  }

  /** The node's `agent` filled in (empty: nobody), else the call's own personal agent. */
  private personalAgent(ctx: IvrContext): string | undefined {
    if (this.def.agent === undefined) return ctx.call.personalAgent;
    const agent = fillTemplate(this.def.agent, ctx).trim();
    return agent === '' ? undefined : agent;
  }
}

const EXPERIENCE_KEYS = [
  'music',
  'announceEverySeconds',
  'offerCallbackAfterSeconds',
  'offerCallbackWhenWaitOverSeconds',
  'brandMessages',
  'brandMessageEverySeconds',
] as const satisfies ReadonlyArray<keyof QueueExperience>;

export const queue = nodeType<QueueDef>({
  type: 'queue',
  settings: {
    queue: schema.queueId,
    agent: { type: 'string', errorHint: 'must be an agent\'s extension in quotes, or a placeholder such as "{{vars.serviceman}}"' },
    priority: schema.priority,
    maxWaitSeconds: schema.seconds,
    music: schema.promptName,
    announceEverySeconds: { type: 'number', minimum: 0, maximum: 3600, errorHint: 'must be a number of seconds from 0 (on entry only) to 3600' },
    offerCallbackAfterSeconds: schema.seconds,
    offerCallbackWhenWaitOverSeconds: schema.seconds,
    brandMessages: { type: 'array', minItems: 1, items: schema.slot, errorHint: 'must be a list of announcement slots' },
    brandMessageEverySeconds: schema.seconds,
  },
  branches: ['overflow', 'failed'],
  next: true,
  check(def, env) {
    if (def.branches?.['overflow'] && def.maxWaitSeconds === undefined) {
      return 'an "overflow" branch needs "maxWaitSeconds" (how long a caller waits before it)';
    }
    if (def.maxWaitSeconds !== undefined && !def.branches?.['overflow'] && !def.next) {
      return '"maxWaitSeconds" needs an "overflow" branch or "next": where callers go when the wait is over';
    }
    if (def.music !== undefined && !env.prompts.music.has(def.music)) {
      return `music "${def.music}" is not in the prompt manifest (known: ${[...env.prompts.music.keys()].join(', ')})`;
    }
    if (def.brandMessages && def.brandMessageEverySeconds === undefined) return '"brandMessages" needs "brandMessageEverySeconds"';
    if (def.agent !== undefined) {
      const bad = templateProblem(def.agent);
      if (bad) return `agent: ${bad}`;
      const literal = !def.agent.includes('{{') && def.agent.trim() !== '';
      if (literal && env.extensions && !env.extensions.has(def.agent.trim())) {
        return `agent: extension "${def.agent.trim()}" is not in the configuration's extensions`;
      }
    }
    if (def.queue !== undefined && env.queues && !env.queues.has(def.queue)) {
      return `queue "${def.queue}" is not a configured queue (known: ${[...env.queues].join(', ')})`;
    }
    return undefined;
  },
  create: (def) => new QueueNode(def),
});
