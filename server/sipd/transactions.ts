/**
 * RFC 3261 section 17 transaction state machines, with the UDP
 * retransmission timers (A, E, G) that sip.js's core leaves out because it
 * only runs over reliable transports, and RFC 6026's Accepted state.
 */
import type { SipMessage } from './message.js';

export interface TimerValues {
  T1: number;
  T2: number;
  T4: number;
}

export const DEFAULT_TIMERS: TimerValues = { T1: 500, T2: 4000, T4: 5000 };

/** What a transaction needs from below: one way to put text on the wire. */
export interface TransactionTransport {
  reliable: boolean;
  send(text: string): Promise<void>;
}

type State = 'trying' | 'calling' | 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';

abstract class Transaction {
  state: State;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Called once when the transaction ends, so the owner can forget it. */
  onTerminated?: () => void;

  protected constructor(
    readonly key: string,
    protected readonly transport: TransactionTransport,
    protected readonly timerValues: TimerValues,
    initial: State,
  ) {
    this.state = initial;
  }

  protected startTimer(name: string, ms: number, fire: () => void): void {
    this.stopTimer(name);
    this.timers.set(name, setTimeout(() => {
      this.timers.delete(name);
      fire();
    }, ms));
  }

  protected stopTimer(name: string): void {
    const t = this.timers.get(name);
    if (t) clearTimeout(t);
    this.timers.delete(name);
  }

  /** Retransmits `text` at T1, 2*T1, ... capped at `cap` until stopped (timers A, E, G). */
  protected retransmit(name: string, text: string, interval: number, cap: number): void {
    if (this.transport.reliable) return;
    this.startTimer(name, interval, () => {
      this.send(text);
      this.retransmit(name, text, Math.min(interval * 2, cap), cap);
    });
  }

  protected send(text: string): void {
    this.transport.send(text).catch(() => this.onTransportError());
  }

  protected onTransportError(): void {
    this.terminate();
  }

  /** Waits before ending, or ends at once on a reliable transport. */
  protected lingerThenTerminate(name: string, unreliableMs: number): void {
    if (this.transport.reliable || unreliableMs === 0) this.terminate();
    else this.startTimer(name, unreliableMs, () => this.terminate());
  }

  terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.onTerminated?.();
  }
}

/** RFC 3261 section 17.2.2. */
export class NonInviteServerTransaction extends Transaction {
  private lastResponse?: string;

  constructor(key: string, readonly request: SipMessage, transport: TransactionTransport, timers = DEFAULT_TIMERS) {
    super(key, transport, timers, 'trying');
  }

  receiveRetransmission(): void {
    if (this.lastResponse && (this.state === 'proceeding' || this.state === 'completed')) this.send(this.lastResponse);
  }

  respond(status: number, text: string): void {
    if (this.state === 'completed' || this.state === 'terminated') return;
    this.lastResponse = text;
    this.send(text);
    if (status < 200) {
      this.state = 'proceeding';
      return;
    }
    this.state = 'completed';
    this.lingerThenTerminate('J', 64 * this.timerValues.T1);
  }
}

/** RFC 3261 section 17.2.1, with RFC 6026's Accepted state for 2xx. */
export class InviteServerTransaction extends Transaction {
  private lastResponse?: string;
  /** The 2xx went unacknowledged for 64*T1 (RFC 3261 section 13.3.1.4). */
  onAckTimeout?: () => void;

  constructor(key: string, readonly request: SipMessage, transport: TransactionTransport, timers = DEFAULT_TIMERS) {
    super(key, transport, timers, 'proceeding');
  }

  get finalSent(): boolean {
    return this.state !== 'proceeding';
  }

  receiveRetransmission(): void {
    if (this.lastResponse && (this.state === 'proceeding' || this.state === 'completed')) this.send(this.lastResponse);
  }

  respond(status: number, text: string): void {
    const { T1, T2 } = this.timerValues;
    if (this.state === 'accepted' && status >= 200 && status < 300) {
      this.send(text); // the TU retransmits its own 2xx
      return;
    }
    if (this.state !== 'proceeding') return;
    this.lastResponse = text;
    this.send(text);
    if (status < 200) return;
    if (status < 300) {
      // The 2xx is retransmitted by the UAS core until its ACK arrives (section 13.3.1.4).
      this.state = 'accepted';
      this.retransmit('2xx', text, T1, T2);
      this.startTimer('L', 64 * T1, () => {
        this.onAckTimeout?.();
        this.terminate();
      });
      return;
    }
    this.state = 'completed';
    this.retransmit('G', text, T1, T2);
    this.startTimer('H', 64 * T1, () => this.terminate());
  }

  /** An ACK for the non-2xx final response (same branch). */
  receiveAck(): void {
    if (this.state !== 'completed') return;
    this.stopTimer('G');
    this.stopTimer('H');
    this.state = 'confirmed';
    this.lingerThenTerminate('I', this.timerValues.T4);
  }

  /** The dialog saw the ACK for our 2xx: stop retransmitting it. */
  ackFor2xx(): void {
    if (this.state !== 'accepted') return;
    this.stopTimer('2xx');
    // Keep absorbing INVITE retransmissions until timer L (RFC 6026 section 8.7).
    this.startTimer('L', 64 * this.timerValues.T1, () => this.terminate());
  }
}

export interface ClientTransactionUser {
  onResponse(response: SipMessage, text: string): void;
  /** Timer B or F fired, or the transport failed: treat as 408 / 503 (section 8.1.3.1). */
  onTimeout(status: 408 | 503): void;
}

/**
 * What both client transactions share: send the request, retransmit it over
 * UDP (timer A or E), give up after 64*T1 (timer B or F).
 */
abstract class ClientTransactionBase extends Transaction {
  protected constructor(
    key: string,
    readonly request: SipMessage,
    private readonly requestText: string,
    transport: TransactionTransport,
    protected readonly user: ClientTransactionUser,
    timers: TimerValues,
    initial: State,
    private readonly retransmitTimer: { name: 'A' | 'E'; cap: number },
    private readonly timeoutTimer: 'B' | 'F',
  ) {
    super(key, transport, timers, initial);
  }

  start(): void {
    const { T1 } = this.timerValues;
    this.send(this.requestText);
    this.retransmit(this.retransmitTimer.name, this.requestText, T1, this.retransmitTimer.cap);
    this.startTimer(this.timeoutTimer, 64 * T1, () => {
      this.user.onTimeout(408);
      this.terminate();
    });
  }

  protected stopRetransmitting(): void {
    this.stopTimer(this.retransmitTimer.name);
  }

  protected stopTimeout(): void {
    this.stopTimer(this.timeoutTimer);
  }

  protected override onTransportError(): void {
    if (this.state === 'terminated') return;
    this.user.onTimeout(503);
    this.terminate();
  }
}

/** RFC 3261 section 17.1.2. */
export class NonInviteClientTransaction extends ClientTransactionBase {
  constructor(key: string, request: SipMessage, requestText: string, transport: TransactionTransport,
    user: ClientTransactionUser, timers = DEFAULT_TIMERS) {
    // Timer E doubles up to T2 (section 17.1.2.2).
    super(key, request, requestText, transport, user, timers, 'trying', { name: 'E', cap: timers.T2 }, 'F');
  }

  receiveResponse(response: SipMessage, text: string): void {
    if (this.state === 'completed' || this.state === 'terminated') return;
    if (response.status < 200) {
      this.state = 'proceeding';
      this.user.onResponse(response, text);
      return;
    }
    this.stopRetransmitting();
    this.stopTimeout();
    this.state = 'completed';
    this.user.onResponse(response, text);
    this.lingerThenTerminate('K', this.timerValues.T4);
  }
}

/** RFC 3261 section 17.1.1, with RFC 6026's Accepted state. */
export class InviteClientTransaction extends ClientTransactionBase {
  private ackText?: string;

  constructor(key: string, request: SipMessage, requestText: string, transport: TransactionTransport,
    user: ClientTransactionUser,
    /** Builds the ACK for a non-2xx final response: same branch as the INVITE (section 17.1.1.3). */
    private readonly buildAck: (response: SipMessage) => string,
    timers = DEFAULT_TIMERS) {
    // Timer A doubles without a cap (section 17.1.1.2).
    super(key, request, requestText, transport, user, timers, 'calling', { name: 'A', cap: Number.MAX_SAFE_INTEGER }, 'B');
  }

  receiveResponse(response: SipMessage, text: string): void {
    const { T1 } = this.timerValues;
    const status = response.status;
    switch (this.state) {
      case 'calling':
      case 'proceeding':
        this.stopRetransmitting();
        if (status < 200) {
          this.state = 'proceeding';
          this.user.onResponse(response, text);
        } else if (status < 300) {
          this.stopTimeout();
          this.state = 'accepted';
          this.user.onResponse(response, text);
          this.startTimer('M', 64 * T1, () => this.terminate());
        } else {
          this.stopTimeout();
          this.state = 'completed';
          this.ackText = this.buildAck(response);
          this.send(this.ackText);
          this.user.onResponse(response, text);
          this.lingerThenTerminate('D', 32_000);
        }
        return;
      case 'accepted':
        // Retransmitted or forked 2xx go to the TU, which re-sends its ACK.
        if (status >= 200 && status < 300) this.user.onResponse(response, text);
        return;
      case 'completed':
        if (status >= 300 && this.ackText) this.send(this.ackText);
        return;
      default:
        return;
    }
  }
}

export type ServerTransaction = NonInviteServerTransaction | InviteServerTransaction;
export type ClientTransaction = NonInviteClientTransaction | InviteClientTransaction;
