/**
 * What a waiting caller hears goes through one Speaker per stay in the
 * queue: the queue experience's messages (./queue-experience.ts) and the
 * callback offer (./callbacks/queue-offer.ts) are said one after the other,
 * in the order they were asked for, never one over the other (a play on
 * the line ends the one before it). Between messages the music on hold
 * plays, from the start again after each.
 *
 * Once `stop` is aborted (an agent answers, the stay is over, the callback
 * dialogue takes the line) nothing more is said and the music is not
 * started again; the message playing then is ended by whatever takes the
 * line.
 */
import type { Endpoint } from '../../media/port.js';

export class Speaker {
  /** Settles when the last message asked for has had its turn. */
  private last: Promise<void> = Promise.resolve();
  private waiting = 0;
  private music?: string;

  constructor(private readonly endpoint: Pick<Endpoint, 'play'>, private readonly stop: AbortSignal) {}

  /** Says `files` once every message asked for before has been said; resolves when it has (or was dropped: stopped). */
  say(files: string | string[]): Promise<void> {
    this.waiting++;
    const turn = this.last.then(async () => {
      if (!this.stop.aborted) await this.endpoint.play(files).catch(() => {});
    }).finally(() => {
      this.waiting--;
      if (this.waiting === 0) this.playMusic();
    });
    this.last = turn;
    return turn;
  }

  /** The music between messages: starts now when nothing is being said, else after the last message. */
  hold(music: string): void {
    this.music = music;
    if (this.waiting === 0) this.playMusic();
  }

  private playMusic(): void {
    if (this.music === undefined || this.stop.aborted) return;
    void this.endpoint.play(this.music, { loop: true }).catch(() => {});
  }
}
