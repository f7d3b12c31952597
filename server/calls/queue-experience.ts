/**
 * The queue experience: what a caller hears while waiting in a queue, from
 * enqueue until an agent answers, the caller hangs up, takes the callback
 * dialogue or overflows.
 *
 * The rule:
 *
 * - **Position and estimated wait** on entry ("Du är nummer 3 i kön.
 *   Beräknad väntetid är 4 minuter"; the estimate only when there is one),
 *   then again `announceEverySeconds` (the flow's, else the queue's) after
 *   the last one ended; 0: on entry only.
 * - **Brand messages**: every `brandMessageEverySeconds` of waiting (at
 *   1x, 2x, 3x ... that many seconds after entry) the next slot of
 *   `brandMessages` in turn, as the operator recorded it. A slot without a
 *   recording is passed over (a warning in the log) and the next one in
 *   turn plays; when none has a recording, the music goes on.
 * - **Music on hold** in between, from the start again after each message.
 * - Nothing is said while an agent's phone rings (the caller has no place
 *   in line then, and is about to be answered): the music goes on, and the
 *   turn passes.
 * - Two messages due at the same moment play one after the other, the
 *   position first; a brand message held up that way plays right after
 *   and the next one keeps to its time. Nothing is caught up: a message
 *   never plays twice in a row to make up for lost time.
 * - Every message and the music go through the stay's Speaker
 *   (./speaker.ts), as the callback offer does: a message due while the
 *   offer is said waits for it, and the other way round.
 *
 * It stops when the wait's `stop` signal is aborted (answered, left the
 * queue, the callback dialogue takes the line) or the caller's leg is gone;
 * the message playing then is ended by whatever takes the line (the bridge
 * to the agent, the dialogue's prompts, the hang-up). A caller who declines
 * the callback dialogue starts over as on entry (place in line first, the
 * brand messages from the first slot).
 *
 * Events: `queue-announcement` when the position is spoken,
 * `brand-message-played` when a brand message starts. Its time, and its
 * pauses between messages, are the call's clock's.
 */
import type { Acd, Clock } from '../acd/index.js';
import { musicFile, speakEstimatedWait, speakQueuePosition } from '../../media/speech.js';
import type { IvrContext, QueueExperience } from '../ivr/context.js';
import type { CallEvent } from './events.js';
import { sleep } from './sleep.js';
import type { Speaker } from './speaker.js';

/** What the queue experience needs of the waiting call. */
export interface WaitingCall extends Pick<IvrContext, 'endpoint' | 'call' | 'prompts' | 'announcements' | 'logger'> {
  readonly acd: Pick<Acd, 'positionOf' | 'estimatedWaitSeconds'>;
  /** False once the caller's leg is gone. */
  readonly active: boolean;
  /** The call's clock: the schedule's time and its pauses. */
  readonly clock: Clock;
  emit(event: CallEvent): void;
}

/** One stay in a queue, as the queue experience sees it. */
export interface WaitingEntry {
  readonly entryId: string;
  readonly queueId: string;
  /** Aborted when the experience must stop. */
  readonly stop: AbortSignal;
  /** Says the messages and plays the music, one at a time with the callback offer's. */
  readonly speaker: Speaker;
}

export type Turn = 'position' | 'brand';

/**
 * When each message is next due, in milliseconds of waiting (time
 * injected, so the rule above can be tested without a call).
 */
export class QueueSchedule {
  private positionAt: number | undefined = 0;
  private brandAt: number | undefined;

  /**
   * @param announceEveryMs position again this long after the last one ended; 0: on entry only
   * @param brandEveryMs brand messages at every multiple of this; undefined: none
   */
  constructor(private readonly announceEveryMs: number, private readonly brandEveryMs: number | undefined) {
    this.brandAt = brandEveryMs !== undefined && brandEveryMs > 0 ? brandEveryMs : undefined;
  }

  /** What is due after `elapsedMs` of waiting: the position first when both are. */
  due(elapsedMs: number): Turn | undefined {
    if (this.positionAt !== undefined && this.positionAt <= elapsedMs) return 'position';
    if (this.brandAt !== undefined && this.brandAt <= elapsedMs) return 'brand';
    return undefined;
  }

  /** `turn` had its go (played or passed over), over at `elapsedMs`. */
  done(turn: Turn, elapsedMs: number): void {
    if (turn === 'position') {
      this.positionAt = this.announceEveryMs > 0 ? elapsedMs + this.announceEveryMs : undefined;
    } else if (this.brandEveryMs !== undefined && this.brandAt !== undefined) {
      // The next multiple after the end: a late or long message does not bring on the next one at once.
      this.brandAt = (Math.floor(elapsedMs / this.brandEveryMs) + 1) * this.brandEveryMs;
    }
  }

  /** Milliseconds from `elapsedMs` until something is due; undefined: nothing ever again (music only). */
  untilNext(elapsedMs: number): number | undefined {
    const next = [this.positionAt, this.brandAt].filter((t): t is number => t !== undefined);
    return next.length > 0 ? Math.max(0, Math.min(...next) - elapsedMs) : undefined;
  }
}

/** The queue's music on hold (the flow's choice), or undefined when the prompts lack it (logged). */
export function queueMusic(call: Pick<WaitingCall, 'prompts' | 'logger'>, experience: Pick<QueueExperience, 'music'>): string | undefined {
  try {
    return musicFile(call.prompts, experience.music ?? 'default');
  } catch (err) {
    call.logger.warn({ err: (err as Error).message }, 'no music on hold');
    return undefined;
  }
}

/** Plays the queue experience to the waiting caller until `entry.stop` is aborted or the call is gone. */
export async function playQueueExperience(call: WaitingCall, entry: WaitingEntry, experience: QueueExperience,
  queueEverySeconds: number): Promise<void> {
  const { stop, speaker } = entry;
  const slots = experience.brandMessages ?? [];
  const schedule = new QueueSchedule(
    (experience.announceEverySeconds ?? queueEverySeconds) * 1000,
    slots.length > 0 && experience.brandMessageEverySeconds !== undefined ? experience.brandMessageEverySeconds * 1000 : undefined,
  );
  const music = queueMusic(call, experience);
  const brands = new BrandMessages(call, entry, slots);
  const over = (): boolean => stop.aborted || !call.active;
  const { clock } = call;
  const started = clock.now();
  const elapsed = (): number => clock.now() - started;

  let musicOn = false;
  while (!over()) {
    for (let turn = schedule.due(elapsed()); turn; turn = schedule.due(elapsed())) {
      const files = turn === 'position' ? positionAnnouncement(call, entry) : await brands.next();
      if (over()) return;
      if (files) {
        await speaker.say(files);
        if (over()) return;
      }
      schedule.done(turn, elapsed());
    }
    // From now on the speaker plays it between messages; untouched while nothing is said.
    if (music && !musicOn) {
      speaker.hold(music);
      musicOn = true;
    }
    const pause = schedule.untilNext(elapsed());
    if (pause === undefined) return;
    await sleep(clock, pause, stop);
  }
}

/** "You are number N in the queue" (+ the estimated wait), or nothing while an agent rings. */
function positionAnnouncement(call: WaitingCall, entry: WaitingEntry): string[] | undefined {
  const { acd } = call;
  const position = acd.positionOf(entry.entryId);
  if (position === undefined) return undefined; // being offered right now
  const waitSeconds = acd.estimatedWaitSeconds(entry.queueId, entry.entryId);
  try {
    const files = speakQueuePosition(call.prompts, call.call.language, position);
    if (Number.isFinite(waitSeconds) && waitSeconds > 0) {
      files.push(...speakEstimatedWait(call.prompts, call.call.language, Math.max(1, Math.ceil(waitSeconds / 60))));
    }
    call.emit({
      type: 'queue-announcement', at: call.clock.now(), callId: call.call.callId, entryId: entry.entryId, position,
      waitSeconds: Number.isFinite(waitSeconds) ? Math.round(waitSeconds) : -1,
    });
    return files;
  } catch (err) {
    call.logger.warn({ err: (err as Error).message }, 'cannot speak the queue position');
    return undefined;
  }
}

/** The brand message slots in turn, resolved through the announcement store. */
class BrandMessages {
  private turn = 0;
  /** Slots already reported as unrecorded: once per stay is enough to tell the operator. */
  private readonly unrecorded = new Set<string>();

  constructor(private readonly call: WaitingCall, private readonly entry: WaitingEntry, private readonly slots: readonly string[]) {}

  /** The next recorded slot's file (and the event), or nothing: none recorded, or an agent rings. */
  async next(): Promise<string[] | undefined> {
    const { call, entry } = this;
    if (call.acd.positionOf(entry.entryId) === undefined) return undefined; // being offered right now
    for (let tried = 0; tried < this.slots.length; tried++) {
      const slot = this.slots[this.turn % this.slots.length]!;
      this.turn++;
      let file: string | undefined;
      try {
        file = await call.announcements.current(slot);
      } catch (err) {
        call.logger.warn({ slot, err: (err as Error).message }, 'brand message unreadable: skipped');
        continue;
      }
      if (!file) {
        if (!this.unrecorded.has(slot)) call.logger.warn({ slot, entryId: entry.entryId }, 'brand message has no recording: skipped');
        this.unrecorded.add(slot);
        continue;
      }
      if (entry.stop.aborted || !call.active) return undefined;
      call.logger.debug({ slot, entryId: entry.entryId }, 'brand message');
      call.emit({ type: 'brand-message-played', at: call.clock.now(), callId: call.call.callId, entryId: entry.entryId, slot });
      return [file];
    }
    return undefined;
  }
}
