/**
 * avalanche: plays the avalanche messages ("lavinmeddelanden") active for
 * the caller's service, and counts the callers they turn away.
 *
 *   - id: lavin
 *     type: avalanche
 *     deflectionSeconds: 10   # a hang-up this soon after the message counts (default 10)
 *     next: ko
 *
 * Messages in the caller's language and messages without a language are
 * played, in the order the lookup gives them; when none matches the
 * caller's language, all are played (better a message in Swedish than none).
 * With no active message the node goes straight on.
 *
 * Events: `avalanche-played` when the messages start; `avalanche-deflected`
 * when the caller hangs up while they play (`during: true`) or within
 * `deflectionSeconds` after they ended, wherever the call is by then (the
 * node has moved on; it watches the context's hang-up signal, no timer),
 * unless an agent or a transfer's target took the call meanwhile: that
 * caller was served, not turned away.
 */
import { emitEvent, type AvalancheMessage, type IvrContext } from '../context.js';
import type { NodeDefBase } from '../flow.js';
import { schema } from './common.js';
import { KILLED, NodeTask, nodeType } from './node.js';

export interface AvalancheDef extends NodeDefBase {
  readonly type: 'avalanche';
  readonly deflectionSeconds?: number;
}

export const DEFAULT_DEFLECTION_SECONDS = 10;

/** The messages a caller hears: their language's and language-less ones, else all. */
export function messagesFor(messages: readonly AvalancheMessage[], language: string): AvalancheMessage[] {
  const mine = messages.filter((m) => m.language === undefined || m.language === language);
  return mine.length > 0 ? mine : [...messages];
}

class AvalancheNode extends NodeTask<AvalancheDef> {
  protected async run(ctx: IvrContext): Promise<string | undefined> {
    const active = await this.untilKilled(ctx.avalancheMessages(ctx.call.service, ctx.now()));
    if (active === KILLED) return undefined;
    const messages = messagesFor(active, ctx.call.language);
    if (messages.length === 0 || ctx.hangupSignal.aborted) return this.follow();

    const messageIds = messages.map((m) => m.id);
    const window = (this.def.deflectionSeconds ?? DEFAULT_DEFLECTION_SECONDS) * 1000;
    let endedAt: number | undefined;
    const node = this.def.id;
    const onHangup = (): void => {
      const at = ctx.now();
      const during = endedAt === undefined;
      const afterMs = during ? 0 : at - endedAt!;
      if (afterMs > window || ctx.connected) return;
      ctx.logger.info({ node, messageIds, during }, 'caller hung up on an avalanche message: deflected');
      emitEvent(ctx, { type: 'avalanche-deflected', node, messageIds, during, secondsAfter: afterMs / 1000 });
    };
    ctx.hangupSignal.addEventListener('abort', onHangup, { once: true });

    emitEvent(ctx, { type: 'avalanche-played', node, messageIds });
    const played = await this.untilKilled(ctx.endpoint.play(messages.map((m) => m.file)));
    endedAt = ctx.now();
    if (played === KILLED) return undefined;
    return this.follow();
  }
}

export const avalanche = nodeType<AvalancheDef>({
  type: 'avalanche',
  settings: { deflectionSeconds: { ...schema.seconds, maximum: 600 } },
  branches: [],
  next: true,
  create: (def) => new AvalancheNode(def),
});
