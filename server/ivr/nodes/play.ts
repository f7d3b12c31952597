/**
 * play: plays system prompts, WAV files or a recorded announcement, then goes on.
 *
 *   - id: halsning
 *     type: play
 *     announcement: kundtjanst-halsning   # the operator's recording, when one is saved
 *     prompts: [welcome]                  # else these (in the call's language, or `language`)
 *     next: ko
 *
 * A key pressed during the play is consumed by it (as on FreeSWITCH); use a
 * menu to listen for keys.
 */
import type { IvrContext } from '../context.js';
import type { NodeDefBase } from '../flow.js';
import { hasSound, soundFiles, soundSettings } from './common.js';
import { KILLED, NodeTask, nodeType, type SoundSpec } from './node.js';

export interface PlayDef extends NodeDefBase, SoundSpec {
  readonly type: 'play';
}

class PlayNode extends NodeTask<PlayDef> {
  protected async run(ctx: IvrContext): Promise<string | undefined> {
    const files = await this.untilKilled(soundFiles(ctx, this.def));
    if (files === KILLED) return undefined;
    if (files.length > 0) {
      const played = await this.untilKilled(ctx.endpoint.play(files));
      if (played === KILLED) return undefined;
    }
    return this.follow();
  }
}

export const play = nodeType<PlayDef>({
  type: 'play',
  settings: soundSettings,
  branches: [],
  next: true,
  check: (def) => (hasSound(def) ? undefined : 'a play node needs "prompts", "files" or "announcement"'),
  sounds: (def) => [def],
  create: (def) => new PlayNode(def),
});
