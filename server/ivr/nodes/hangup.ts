/**
 * hangup: says goodbye (optional) and ends the call.
 *
 *   - id: hejda
 *     type: hangup
 *     prompts: [goodbye]      # or files / announcement, as play
 */
import type { IvrContext } from '../context.js';
import type { NodeDefBase } from '../flow.js';
import { hasSound, soundFiles, soundSettings } from './common.js';
import { KILLED, NodeTask, nodeType, type SoundSpec } from './node.js';

export interface HangupDef extends NodeDefBase, SoundSpec {
  readonly type: 'hangup';
}

class HangupNode extends NodeTask<HangupDef> {
  protected async run(ctx: IvrContext): Promise<string | undefined> {
    if (hasSound(this.def)) {
      const files = await this.untilKilled(soundFiles(ctx, this.def));
      if (files === KILLED) return undefined;
      if (files.length > 0 && (await this.untilKilled(ctx.endpoint.play(files))) === KILLED) return undefined;
    }
    await this.untilKilled(ctx.hangup());
    return undefined;
  }
}

export const hangup = nodeType<HangupDef>({
  type: 'hangup',
  settings: soundSettings,
  branches: [],
  next: false,
  sounds: (def) => [def],
  create: (def) => new HangupNode(def),
});
