/**
 * record-announcement: an operator records an announcement by phone.
 *
 *   - id: spela-in
 *     type: record-announcement
 *     slots:                       # key -> announcement slot
 *       "1": kundtjanst-halsning
 *       "2": kundtjanst-stangt
 *     slotPrompts: [beep]          # asks for the slot key instead of the spoken menu; skipped with one slot
 *     pinAttempts: 3               # default 3
 *     maxRecordSeconds: 120        # default 120
 *     silenceSeconds: 5            # a pause this long ends the recording (default 5)
 *     branches: { saved: hejda, failed: hejda }
 *
 * The dialogue, with the system prompts:
 *
 * 1. enter_pin; the PIN (ended by # or a pause) is checked with
 *    ctx.announcements.verifyPin, which also counts the caller's wrong PINs
 *    over the hour and refuses every PIN once there were too many. A wrong
 *    PIN: wrong_pin, try again, up to `pinAttempts`; then `failed`.
 * 2. The slot: one key (invalid_choice and again on a wrong one, 3 tries).
 *    The menu says which key records which slot: choose_slot, then for
 *    each digit key press, the digit, and the slot's label: the prompt
 *    slot_<slot name with "-" as "_"> (slot_kundtjanst_halsning: "for
 *    customer service's greeting") when the prompt set has one, else
 *    for_announcement and the digit again. Keys * and # work but are not
 *    spoken (there is no prompt for them).
 * 3. record_after_beep, a beep, the recording into a draft file (# ends it).
 * 4. The draft is played back, then press_1_save_2_rerecord (a key may be
 *    pressed during the playback): 1 saves it (ctx.announcements.save: the
 *    next caller hears it), recording_saved, `saved`; 2 records again.
 *    Silence or another key asks again (3 tries), then `failed`, unsaved.
 *
 * A hang-up at any point leaves the slot as it was.
 */
import { promptFiles, type PromptLanguage } from '../../../media/speech.js';
import { emitEvent, type IvrContext } from '../context.js';
import type { NodeDefBase } from '../flow.js';
import { promptList, schema, soundFiles } from './common.js';
import { KILLED, NodeTask, nodeType, type SoundSpec } from './node.js';

export interface RecordAnnouncementDef extends NodeDefBase {
  readonly type: 'record-announcement';
  readonly slots: Readonly<Record<string, string>>;
  readonly slotPrompts?: readonly string[];
  readonly pinAttempts?: number;
  readonly maxRecordSeconds?: number;
  readonly silenceSeconds?: number;
}

export const RECORD_DEFAULTS = { pinAttempts: 3, maxRecordSeconds: 120, silenceSeconds: 5 };
/** Tries for the slot key and for the save-or-record-again key. */
const KEY_TRIES = 3;
/** Takes after which the operator is sent off (a stuck loop of re-recording). */
const MAX_TAKES = 10;
/** A take shorter than this is no recording: record again. */
const MIN_RECORDING_MS = 500;

const PROMPTS = {
  enterPin: 'enter_pin',
  wrongPin: 'wrong_pin',
  invalid: 'invalid_choice',
  recordAfterBeep: 'record_after_beep',
  review: 'press_1_save_2_rerecord',
  saved: 'recording_saved',
  chooseSlot: 'choose_slot',
  press: 'press',
  forAnnouncement: 'for_announcement',
} as const;

/** The prompt that names a slot in the spoken menu, when the prompt set has one. */
export function slotLabelPrompt(slot: string): string {
  return `slot_${slot.replace(/[^A-Za-z0-9]+/g, '_')}`;
}

/** The prompt names of the spoken slot menu: "Choose ... Press 1 for ... Press 2 for ...". */
export function slotMenuPrompts(slots: Readonly<Record<string, string>>, hasPrompt: (name: string) => boolean): string[] {
  const names: string[] = [PROMPTS.chooseSlot];
  for (const [key, slot] of Object.entries(slots)) {
    if (!/^[0-9]$/.test(key)) continue;
    const label = slotLabelPrompt(slot);
    names.push(PROMPTS.press, `number_${key}`, ...(hasPrompt(label) ? [label] : [PROMPTS.forAnnouncement, `number_${key}`]));
  }
  return names;
}

class RecordAnnouncementNode extends NodeTask<RecordAnnouncementDef> {
  protected async run(ctx: IvrContext): Promise<string | undefined> {
    const pinOk = await this.checkPin(ctx);
    if (pinOk === KILLED) return undefined;
    if (!pinOk) return this.follow('failed');

    const slot = await this.chooseSlot(ctx);
    if (slot === KILLED) return undefined;
    if (slot === undefined) return this.follow('failed');

    const saved = await this.recordAndReview(ctx, slot);
    if (saved === KILLED) return undefined;
    return this.follow(saved ? 'saved' : 'failed');
  }

  private files(ctx: IvrContext, ...names: string[]): Promise<string[]> {
    return soundFiles(ctx, { prompts: names });
  }

  private async checkPin(ctx: IvrContext): Promise<boolean | typeof KILLED> {
    const attempts = this.def.pinAttempts ?? RECORD_DEFAULTS.pinAttempts;
    let before: string[] = [];
    for (let i = 0; i < attempts; i++) {
      const r = await this.untilKilled(
        ctx.endpoint.playCollect({
          file: [...before, ...(await this.files(ctx, PROMPTS.enterPin))],
          min: 1,
          max: 16,
          terminators: '#',
          timeout: 10_000,
          digitTimeout: 5_000,
        }),
      );
      if (r === KILLED) return KILLED;
      if (r.digits) {
        const ok = await this.untilKilled(ctx.announcements.verifyPin(r.digits, ctx.call.caller));
        if (ok === KILLED) return KILLED;
        if (ok) {
          ctx.logger.info({ node: this.def.id }, 'operator PIN accepted');
          return true;
        }
      }
      ctx.logger.warn({ node: this.def.id, attempt: i + 1 }, 'operator PIN refused');
      before = await this.files(ctx, PROMPTS.wrongPin);
    }
    if ((await this.untilKilled(ctx.endpoint.play(before))) === KILLED) return KILLED;
    return false;
  }

  private async chooseSlot(ctx: IvrContext): Promise<string | undefined | typeof KILLED> {
    const slots = Object.entries(this.def.slots);
    if (slots.length === 1) return slots[0]![1];
    let before: string[] = [];
    for (let i = 0; i < KEY_TRIES; i++) {
      const prompt = await this.slotMenu(ctx);
      const r = await this.untilKilled(
        ctx.endpoint.playCollect({ file: [...before, ...prompt], min: 1, max: 1, terminators: '', timeout: 10_000 }),
      );
      if (r === KILLED) return KILLED;
      const slot = this.def.slots[r.digits];
      if (slot !== undefined) return slot;
      before = await this.files(ctx, PROMPTS.invalid);
    }
    return undefined;
  }

  private async slotMenu(ctx: IvrContext): Promise<string[]> {
    if (this.def.slotPrompts) return this.files(ctx, ...this.def.slotPrompts);
    const lang = ctx.call.language;
    const have = ctx.prompts.prompts.get(lang as PromptLanguage);
    return promptFiles(ctx.prompts, lang, slotMenuPrompts(this.def.slots, (name) => have?.has(name) ?? false));
  }

  /** True when a take was saved; false when the operator gave up. */
  private async recordAndReview(ctx: IvrContext, slot: string): Promise<boolean | typeof KILLED> {
    const d = this.def;
    const draft = ctx.announcements.draftFile(slot, ctx.call.callId);
    for (let take = 0; take < MAX_TAKES; take++) {
      if ((await this.untilKilled(ctx.endpoint.play(await this.files(ctx, PROMPTS.recordAfterBeep)))) === KILLED) return KILLED;
      const rec = await this.untilKilled(
        ctx.endpoint.record(draft, {
          beep: true,
          timeLimitSecs: d.maxRecordSeconds ?? RECORD_DEFAULTS.maxRecordSeconds,
          silenceSecs: d.silenceSeconds ?? RECORD_DEFAULTS.silenceSeconds,
          terminators: '#',
        }),
      );
      if (rec === KILLED) return KILLED;
      ctx.logger.info({ node: d.id, slot, ms: rec.recordMilliseconds, reason: rec.reason }, 'announcement recorded');
      if (rec.recordMilliseconds < MIN_RECORDING_MS) continue;

      let choice: 'save' | 'again' | 'none' = 'none';
      let before: string[] = [draft];
      for (let i = 0; i < KEY_TRIES && choice === 'none'; i++) {
        const r = await this.untilKilled(
          ctx.endpoint.playCollect({ file: [...before, ...(await this.files(ctx, PROMPTS.review))], min: 1, max: 1, terminators: '', timeout: 8_000 }),
        );
        if (r === KILLED) return KILLED;
        if (r.digits === '1') choice = 'save';
        else if (r.digits === '2') choice = 'again';
        else before = r.digits ? await this.files(ctx, PROMPTS.invalid) : [];
      }
      if (choice === 'none') return false;
      if (choice === 'again') continue;

      const saving = await this.untilKilled(ctx.announcements.save(slot, draft));
      if (saving === KILLED) return KILLED;
      ctx.logger.info({ node: d.id, slot }, 'announcement saved');
      emitEvent(ctx, { type: 'announcement-saved', node: d.id, slot });
      if ((await this.untilKilled(ctx.endpoint.play(await this.files(ctx, PROMPTS.saved)))) === KILLED) return KILLED;
      return true;
    }
    return false;
  }
}

export const recordAnnouncement = nodeType<RecordAnnouncementDef>({
  type: 'record-announcement',
  settings: {
    slots: {
      type: 'object',
      minProperties: 1,
      propertyNames: schema.digits,
      additionalProperties: schema.slot,
      errorHint: 'must map keys (0-9, * or #) to announcement slots, such as "1": kundtjanst-halsning',
    },
    slotPrompts: promptList,
    pinAttempts: { type: 'integer', minimum: 1, maximum: 10, errorHint: 'must be a whole number from 1 to 10' },
    maxRecordSeconds: { ...schema.seconds, maximum: 600 },
    silenceSeconds: { ...schema.seconds, maximum: 60 },
  },
  required: ['slots'],
  branches: ['saved', 'failed'],
  next: true,
  sounds: (def): SoundSpec[] => [
    { prompts: Object.values(PROMPTS) },
    { prompts: def.slotPrompts ?? Object.keys(def.slots).filter((k) => /^[0-9]$/.test(k)).map((k) => `number_${k}`) },
  ],
  create: (def) => new RecordAnnouncementNode(def),
});
