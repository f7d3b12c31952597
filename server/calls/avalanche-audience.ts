/**
 * Who hears each avalanche message now, and how many callers it turned
 * away, counted from the call events (./events.ts) as they pass.
 *
 * - Hearing: a call from its `avalanche-played` until the flow enters its
 *   next node (`ivr-node`), its flow ends or the call ends.
 * - Deflected: the avalanche node's `avalanche-deflected`, i.e. the caller
 *   hung up while the message played or within the node's
 *   `deflectionSeconds` (default 10) after it ended (server/ivr/nodes/avalanche.ts).
 *
 * The counts are this instance's, since it started: with several instances
 * each counts the calls it carries.
 */
import type { CallEvent } from './events.js';

export interface AvalancheFigures {
  /** Calls hearing the message now. */
  hearing: string[];
  /** Callers it was played to. */
  played: number;
  /** Callers who hung up during it or right after. */
  deflected: number;
}

export class AvalancheAudience {
  /** Call id -> the messages that call is hearing. */
  private readonly listening = new Map<string, readonly string[]>();
  private readonly played = new Map<string, number>();
  private readonly deflected = new Map<string, number>();

  /** Takes one call event (center.on('event', ...)). */
  readonly observe = (event: CallEvent): void => {
    switch (event.type) {
      case 'avalanche-played':
        this.listening.set(event.callId, event.messageIds);
        for (const id of event.messageIds) this.played.set(id, (this.played.get(id) ?? 0) + 1);
        break;
      case 'avalanche-deflected':
        for (const id of event.messageIds) this.deflected.set(id, (this.deflected.get(id) ?? 0) + 1);
        this.listening.delete(event.callId);
        break;
      case 'ivr-node':
      case 'ivr-ended':
      case 'call-ended':
        this.listening.delete(event.callId);
        break;
    }
  };

  figures(id: string): AvalancheFigures {
    const hearing = [...this.listening].filter(([, ids]) => ids.includes(id)).map(([callId]) => callId);
    return { hearing, played: this.played.get(id) ?? 0, deflected: this.deflected.get(id) ?? 0 };
  }
}
