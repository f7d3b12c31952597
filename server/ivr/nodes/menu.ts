/**
 * menu: plays a prompt and waits for one key; each key is a branch.
 *
 *   - id: meny
 *     type: menu
 *     announcement: vaxel-meny      # or prompts / files, as play
 *     prompts: [welcome]
 *     timeoutSeconds: 5             # wait for a key after the prompt (default 5)
 *     retries: 2                    # tries after the first (default 2)
 *     invalidPrompts: [invalid_choice]   # before trying again after a wrong key (this default)
 *     timeoutPrompts: []            # before trying again after silence (default: none)
 *     branches:
 *       "1": svenska
 *       "2": engelska
 *       invalid: svenska            # a wrong key, when retries are used up
 *       timeout: svenska            # no key, when retries are used up
 *
 * A wrong key or silence plays the prompt again (after `invalidPrompts` /
 * `timeoutPrompts`, with barge-in, so a key pressed during "invalid choice"
 * counts). When the retries are used up the call takes the `invalid` or
 * `timeout` branch; when only one of them is given it serves both, and
 * without either the call goes to `next`.
 */
import type { IvrContext } from '../context.js';
import type { NodeDefBase } from '../flow.js';
import { hasSound, promptList, schema, soundFiles, soundSettings } from './common.js';
import { KILLED, NodeTask, nodeType, type SoundSpec } from './node.js';

export interface MenuDef extends NodeDefBase, SoundSpec {
  readonly type: 'menu';
  readonly timeoutSeconds?: number;
  readonly retries?: number;
  readonly invalidPrompts?: readonly string[];
  readonly timeoutPrompts?: readonly string[];
}

export const MENU_DEFAULTS = { timeoutSeconds: 5, retries: 2, invalidPrompts: ['invalid_choice'], timeoutPrompts: [] as string[] };

const KEY = /^[0-9*#]$/;

class MenuNode extends NodeTask<MenuDef> {
  protected async run(ctx: IvrContext): Promise<string | undefined> {
    const d = this.def;
    const retries = d.retries ?? MENU_DEFAULTS.retries;
    const language = d.language;
    let before: string[] = [];
    for (let attempt = 0; ; attempt++) {
      const prompt = await this.untilKilled(soundFiles(ctx, d));
      if (prompt === KILLED) return undefined;
      const result = await this.untilKilled(
        ctx.endpoint.playCollect({
          file: [...before, ...prompt],
          min: 1,
          max: 1,
          terminators: '',
          timeout: (d.timeoutSeconds ?? MENU_DEFAULTS.timeoutSeconds) * 1000,
          bargeIn: true,
        }),
      );
      if (result === KILLED) return undefined;
      const key = result.digits.slice(0, 1);
      const target = key ? d.branches?.[key] : undefined;
      if (key && KEY.test(key) && target !== undefined) {
        ctx.logger.info({ node: d.id, key }, 'menu choice');
        return target;
      }
      const outcome = key ? 'invalid' : 'timeout';
      if (attempt >= retries) {
        ctx.logger.info({ node: d.id, outcome, tries: attempt + 1 }, 'menu gave up');
        const other = outcome === 'invalid' ? 'timeout' : 'invalid';
        return d.branches?.[outcome] ?? d.branches?.[other] ?? d.next;
      }
      const names = outcome === 'invalid' ? d.invalidPrompts ?? MENU_DEFAULTS.invalidPrompts : d.timeoutPrompts ?? MENU_DEFAULTS.timeoutPrompts;
      before = await soundFiles(ctx, { prompts: names, ...(language ? { language } : {}) });
    }
  }
}

export const menu = nodeType<MenuDef>({
  type: 'menu',
  settings: {
    ...soundSettings,
    timeoutSeconds: schema.seconds,
    retries: schema.count,
    invalidPrompts: { ...promptList, minItems: 0 },
    timeoutPrompts: { ...promptList, minItems: 0 },
  },
  branches: { pattern: /^([0-9*#]|invalid|timeout)$/, text: 'a key (0-9, * or #), invalid or timeout' },
  next: true,
  check(def) {
    if (!hasSound(def)) return 'a menu needs "prompts", "files" or "announcement" to tell callers what the keys do';
    const keys = Object.keys(def.branches ?? {}).filter((k) => KEY.test(k));
    if (keys.length === 0) return 'a menu needs at least one key among its branches, such as "1": some-node';
    if (!def.branches?.['invalid'] && !def.branches?.['timeout'] && !def.next) {
      return 'a menu needs an "invalid" or "timeout" branch, or "next": where callers go when the retries are used up';
    }
    return undefined;
  },
  sounds: (def) => [
    def,
    { prompts: def.invalidPrompts ?? MENU_DEFAULTS.invalidPrompts, ...(def.language ? { language: def.language } : {}) },
    { prompts: def.timeoutPrompts ?? MENU_DEFAULTS.timeoutPrompts, ...(def.language ? { language: def.language } : {}) },
  ],
  create: (def) => new MenuNode(def),
});
