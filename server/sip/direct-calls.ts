/**
 * The calls the switch connects itself (./b2bua.ts), found by the dialog
 * their caller's phone has with us: an agent's consultation call, which the
 * agent's attended transfer (REFER with Replaces, RFC 3891) names. Taking
 * one over hangs up the phone's leg and hands the other (the colleague's)
 * to whoever joins it to another call; from then on the switch no longer
 * ends it when the phone's leg ends.
 */
import type Srf from 'drachtio-srf';

/** A dialog as the phone sees it (RFC 3891's Replaces): its from-tag is the phone's own. */
export interface DialogRef {
  callId: string;
  toTag: string;
  fromTag: string;
}

/** The far leg of a call taken over: the dialog, and who to tell when it ends (hung up or its session expired). */
export interface TakenLeg {
  dialog: Srf.Dialog;
  /** The extension the far phone was rung as. */
  extension?: string;
  onGone(fn: () => void): void;
}

/** What the B2BUA does when its call is taken over: stops joining the legs, hangs up the phone's leg, gives the other. */
export type HandOver = () => TakenLeg;

const keyOf = (ref: DialogRef): string => `${ref.callId}\n${ref.fromTag}\n${ref.toTag}`;

export class DirectCalls {
  private readonly calls = new Map<string, HandOver>();

  /** A call connected, with its caller's dialog (ours, as UAS): forgotten by the returned function. */
  add(callerDialog: Srf.Dialog, handOver: HandOver): () => void {
    const { callId, remoteTag, localTag } = callerDialog.sip;
    const key = keyOf({ callId, fromTag: remoteTag, toTag: localTag });
    this.calls.set(key, handOver);
    return () => {
      if (this.calls.get(key) === handOver) this.calls.delete(key);
    };
  }

  /** The call the phone's dialog `ref` names, taken over; undefined when there is none (ended, or never ours). */
  take(ref: DialogRef): TakenLeg | undefined {
    const key = keyOf(ref);
    const handOver = this.calls.get(key);
    if (!handOver) return undefined;
    this.calls.delete(key);
    return handOver();
  }

  get size(): number {
    return this.calls.size;
  }
}
