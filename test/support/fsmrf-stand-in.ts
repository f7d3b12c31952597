/**
 * A STAND-IN for drachtio-fsmrf's MediaServer and Endpoint, for testing
 * media/freeswitch.ts where no FreeSWITCH can run. It is not FreeSWITCH: it
 * records what the adapter asks (the INVITE headers, every application with
 * its arguments, every API command) and answers the way fsmrf documents:
 * an application's result is its CHANNEL_EXECUTE_COMPLETE event, whose
 * headers the test scripts; uuid_break ends the application in progress; a
 * channel FreeSWITCH hangs up gives 'destroy' with its Hangup-Cause, and its
 * BYE destroys the SIP dialog.
 *
 * What FreeSWITCH itself does with those commands is checked only by the
 * contract suite on a real FreeSWITCH (test/freeswitch/).
 */
import { EventEmitter } from 'node:events';
import type { EslEvent, FsEndpoint, FsMediaServer } from '../../media/freeswitch.js';

export interface Command {
  app: string;
  arg: string;
}

type Headers = Record<string, string>;

function eslEvent(app: string, headers: Headers): EslEvent {
  const all: Headers = { Application: app, ...headers };
  return { getHeader: (name) => all[name] };
}

export class StandInFsEndpoint extends EventEmitter implements FsEndpoint {
  readonly local = { sdp: 'v=0\r\no=FreeSWITCH 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 20000 RTP/AVP 0 101\r\n' };
  readonly dialog = new EventEmitter();
  /** Every application the adapter ran, in order. */
  readonly commands: Command[] = [];
  /** Every API command the adapter sent, in order. */
  readonly apis: Command[] = [];
  /** Applications that complete at once, with these event headers; the others run until uuid_break or hangup. */
  readonly completes = new Map<string, Headers>([['set', {}], ['multiset', {}]]);
  private running?: { app: string; finish: (headers: Headers) => void };

  constructor(readonly uuid: string) {
    super();
  }

  execute(app: string, arg = ''): Promise<EslEvent> {
    this.commands.push({ app, arg });
    const headers = this.completes.get(app);
    if (headers) return Promise.resolve(eslEvent(app, headers));
    return new Promise((resolve) => {
      this.running = { app, finish: (h) => resolve(eslEvent(app, h)) };
    });
  }

  /** The application in progress completes with these headers (as FreeSWITCH's CHANNEL_EXECUTE_COMPLETE). */
  finish(headers: Headers = {}): void {
    const running = this.running;
    if (!running) throw new Error('no application is running on the stand-in endpoint');
    this.running = undefined;
    running.finish(headers);
  }

  get runningApp(): string | undefined {
    return this.running?.app;
  }

  async api(command: string, args = ''): Promise<unknown> {
    this.apis.push({ app: command, arg: args });
    if (command === 'uuid_break' && this.running) this.finish();
    return '+OK';
  }

  async playCollect(opts: Record<string, unknown>): Promise<{ digits?: string; terminatorUsed?: string; playbackMilliseconds?: string }> {
    // fsmrf runs play_and_get_digits with its options in this order.
    const order = ['min', 'max', 'tries', 'timeout', 'terminators', 'file', 'invalidFile', 'varName', 'regexp', 'digitTimeout'];
    const evt = await this.execute('play_and_get_digits', order.map((k) => opts[k] ?? '-').join(' '));
    return {
      digits: evt.getHeader('variable_myDigitBuffer'),
      terminatorUsed: evt.getHeader('variable_read_terminator_used'),
      playbackMilliseconds: evt.getHeader('variable_playback_ms'),
    };
  }

  async bridge(): Promise<void> {}

  async unbridge(): Promise<void> {}

  async modify(sdp: string): Promise<string> {
    return sdp;
  }

  async destroy(): Promise<void> {
    this.commands.push({ app: 'hangup', arg: '' });
    if (this.running) this.finish();
  }

  /** FreeSWITCH ends the channel itself: fsmrf's 'destroy' with the CHANNEL_CALLSTATE HANGUP's Hangup-Cause. */
  hangUpByFreeswitch(cause: string): void {
    if (this.running) this.finish();
    this.emit('destroy', { reason: cause });
  }

  /**
   * FreeSWITCH's BYE reaches drachtio-server: the SIP dialog is destroyed (drachtio-srf hands over the BYE), with
   * the hangup cause in its Reason header when one is given.
   */
  byeFromFreeswitch(cause?: string): void {
    const reason = cause ? `SIP;cause=804;text="${cause}"` : undefined;
    this.dialog.emit('destroy', { get: (name: string) => (name.toLowerCase() === 'reason' ? reason : undefined) });
  }
}

export class StandInFsMediaServer implements FsMediaServer {
  /** What each createEndpoint asked for: the INVITE's body and headers. */
  readonly invites: { remoteSdp?: string; headers: Record<string, string> }[] = [];
  readonly endpoints: StandInFsEndpoint[] = [];
  /** When set, the next createEndpoint fails as fsmrf does on a SIP error response from FreeSWITCH. */
  refuseWith?: number;

  async createEndpoint(opts: { remoteSdp?: string; headers: Record<string, string> }): Promise<StandInFsEndpoint> {
    this.invites.push(opts);
    if (this.refuseWith) {
      const status = this.refuseWith;
      this.refuseWith = undefined;
      throw Object.assign(new Error(`${status} from FreeSWITCH`), { status });
    }
    const ep = new StandInFsEndpoint(`stand-in-${this.endpoints.length + 1}`);
    this.endpoints.push(ep);
    return ep;
  }

  disconnect(): void {}
}
