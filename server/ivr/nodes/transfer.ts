/**
 * transfer: connects the caller to an extension or a number (ctx.transfer).
 *
 *   - id: radgivare
 *     type: transfer
 *     to: "1003"                 # an extension, or an E.164 number such as "+46701740605"
 *     timeoutSeconds: 25         # ring this long (default 30)
 *     branches: { failed: ko }   # busy, no answer, unavailable
 *
 * The phone rung shows whom it gets, as for an agent's call from a queue:
 * `"[Service] +4670..."` as display name, X-Service and X-Dialled-Number.
 * Connected, the call is no longer the flow's: the flow ends. Either way a
 * `transfer` event says how it went: connected, busy, no-answer,
 * unavailable, caller-left or error.
 */
import { emitEvent, type IvrContext } from '../context.js';
import type { NodeDefBase } from '../flow.js';
import { schema } from './common.js';
import { NodeTask, nodeType } from './node.js';

export interface TransferDef extends NodeDefBase {
  readonly type: 'transfer';
  readonly to: string;
  readonly timeoutSeconds?: number;
}

export const DEFAULT_TRANSFER_TIMEOUT_SECONDS = 30;

class TransferNode extends NodeTask<TransferDef> {
  protected async run(ctx: IvrContext): Promise<string | undefined> {
    const { to } = this.def;
    // Not untilKilled: a kill (the caller hung up) cancels the ringing through this.signal, so the result
    // comes at once, and the event says how the transfer ended in every case.
    const result = await ctx.transfer(
      { to, kind: to.startsWith('+') ? 'number' : 'extension', timeoutSeconds: this.def.timeoutSeconds ?? DEFAULT_TRANSFER_TIMEOUT_SECONDS },
      this.signal,
    );
    const outcome = result.outcome === 'connected' ? 'connected' : result.reason;
    emitEvent(ctx, { type: 'transfer', node: this.def.id, to, outcome });
    if (this.signal.aborted) return undefined;
    if (result.outcome === 'connected') {
      ctx.logger.info({ node: this.def.id, to }, 'transferred');
      return undefined;
    }
    ctx.logger.info({ node: this.def.id, to, reason: result.reason }, 'transfer failed');
    return this.follow('failed');
  }
}

export const transfer = nodeType<TransferDef>({
  type: 'transfer',
  settings: {
    to: {
      type: 'string',
      pattern: '^([0-9]{2,6}|\\+[1-9][0-9]{6,14})$',
      errorHint: 'must be an extension of 2 to 6 digits or an E.164 number such as +46701740605 (in quotes)',
    },
    timeoutSeconds: { ...schema.seconds, maximum: 300 },
  },
  required: ['to'],
  branches: ['failed'],
  next: true,
  check(def, env) {
    if (!def.to.startsWith('+') && env.extensions && !env.extensions.has(def.to)) {
      return `extension "${def.to}" is not in the configuration's extensions`;
    }
    return undefined;
  },
  create: (def) => new TransferNode(def),
});
