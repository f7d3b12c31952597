/**
 * Every outbound leg the switch places, and what the phone that rings is
 * shown, built in one place: an agent's desk phones and softphones, a
 * mobile or an outside number through the operator trunk.
 *
 * What the callee sees: the display name (`"[Kort och spärr] +4670…"` for a
 * call from a service, `"[Kort och spärr] callback +4670…"` for a callback,
 * the caller's name between extensions) and the X-headers below, which a
 * desk phone shows and a softphone or CRM reads. A leg out through the
 * trunk keeps that display name but presents the company's caller id as
 * its number: the operator network only lets our own numbers out.
 *
 * A leg out through the trunk exists only with the dial-out policy's yes
 * (./dial-out.ts): `outside` asks it for the destination, and the leg it
 * builds asks it again for a place among the calls out when it is dialled.
 */
import type { TrunkConfig } from '../../config/schema.js';
import type { DialOutCaller, DialOutPolicy, DialOutRefusal, DialOutVerdict } from './dial-out.js';
import type { Leg } from './fork.js';
import type { Binding, Registrar } from './registrar.js';

/** The service the caller dialled (its name). */
export const SERVICE_HEADER = 'X-Service';
/** The number the caller dialled. */
export const DIALLED_HEADER = 'X-Dialled-Number';
/** Seconds the caller waited in the queue before this offer. */
export const WAIT_HEADER = 'X-Wait-Seconds';
/** The number a callback will dial once the agent answers. */
export const CALLBACK_NUMBER_HEADER = 'X-Callback-Number';

/** Who the callee is told is calling, and from which service. */
export interface Presentation {
  /** The caller's number (E.164, or an extension). */
  number: string;
  /** The display name; default the number. */
  display?: string;
  /** The service dialled and its number: the display becomes `[service] display`. */
  service?: { name: string; dialled: string };
  /** Waited this long in a queue (X-Wait-Seconds). */
  waitMs?: number;
  /** A callback to this number (X-Callback-Number). */
  callbackNumber?: string;
}

/** From and the X-headers for a presentation. */
export function presentationHeaders(p: Presentation): Record<string, string> {
  const name = p.display ?? p.number;
  const display = (p.service ? `[${p.service.name}] ${name}` : name).replace(/"/g, '');
  return {
    From: `"${display}" <sip:${p.number}@localhost>`,
    ...(p.service ? { [SERVICE_HEADER]: p.service.name, [DIALLED_HEADER]: p.service.dialled } : {}),
    ...(p.waitMs !== undefined ? { [WAIT_HEADER]: String(Math.max(0, Math.round(p.waitMs / 1000))) } : {}),
    ...(p.callbackNumber !== undefined ? { [CALLBACK_NUMBER_HEADER]: p.callbackNumber } : {}),
  };
}

/** A device an agent answers on: their extension's phones, or a mobile through the trunk. */
export type AnswerDevice = { kind: 'desk' | 'softphone'; extension: string } | { kind: 'mobile'; number: string };

/** A leg out through the trunk, or why there is none. */
export type OutsideLeg = { leg: Leg } | { refused: DialOutRefusal | 'no-trunk' };

export interface LegBuilderOptions {
  registrar: Pick<Registrar, 'contactsOf' | 'remove'>;
  /** The SIP domain of the extensions, for the To header phones see. */
  domain: string;
  /** The trunk calls to outside numbers leave through; none: no outside legs. */
  trunk: () => TrunkConfig | undefined;
  /** Whether a call may leave through the trunk. */
  policy: Pick<DialOutPolicy, 'check' | 'admit'>;
  /** Whether a user part is one of the switch's extensions. */
  isExtension: (id: string) => boolean;
}

export class LegBuilder {
  constructor(private readonly opts: LegBuilderOptions) {}

  /**
   * Every live phone of an extension as a leg to ring, with the same headers
   * and To naming the extension (not a softphone's random Contact user).
   */
  phones(extension: string, headers: Record<string, string>): Leg[] {
    const { registrar, domain } = this.opts;
    return registrar.contactsOf(extension).map((binding) => {
      const proxy = flowProxy(binding);
      return {
        uri: binding.uri,
        ...(proxy ? { proxy } : {}),
        headers: { ...headers, To: `<sip:${extension}@${domain}>` },
        ...(binding.flow.protocol === 'udp' ? {} : { forget: () => registrar.remove(extension, binding.uri) }),
        ...(isWebSocket(binding.flow.protocol) ? { webrtc: true } : {}),
      };
    });
  }

  /** Whether `number` is one of the switch's extensions: reached on its phones, never through the trunk. */
  isExtension(number: string): boolean {
    return this.opts.isExtension(number);
  }

  /** Whether the caller may call `number` out through the trunk (a refusal raises the policy's alarm). */
  checkOutside(number: string, caller: DialOutCaller): DialOutVerdict {
    return this.opts.policy.check({ ...caller, number });
  }

  /**
   * A number out through the operator trunk, showing the headers' display
   * name with the company's caller id; refused without a trunk or without
   * the dial-out policy's yes. The leg takes its place among the calls out
   * when it is dialled (./fork.ts, ./b2bua.ts).
   */
  outside(number: string, headers: Record<string, string>, caller: DialOutCaller): OutsideLeg {
    const trunk = this.opts.trunk();
    if (!trunk) return { refused: 'no-trunk' };
    const { policy } = this.opts;
    const verdict = policy.check({ ...caller, number });
    if (!verdict.allowed) return { refused: verdict.refusal };
    const display = /^"([^"]*)"/.exec(headers.From ?? '')?.[1];
    return {
      leg: {
        uri: `sip:${verdict.number}@${trunk.host}:${trunk.port};transport=${trunk.transport}`,
        headers: { ...headers, From: `${display ? `"${display}" ` : ''}<sip:${trunk.callerId}@localhost>` },
        ...(trunk.username && trunk.password ? { auth: { username: trunk.username, password: trunk.password } } : {}),
        ...(trunk.answerTimeoutSeconds !== undefined ? { answerTimeoutSeconds: trunk.answerTimeoutSeconds } : {}),
        admit: () => {
          const permit = policy.admit({ ...caller, number: verdict.number });
          return 'release' in permit ? permit : undefined;
        },
      },
    };
  }

  /** What rings for an agent's device: every phone of the extension, or the mobile (as the mobile caller class). */
  device(device: AnswerDevice, headers: Record<string, string>): Leg[] {
    if (device.kind !== 'mobile') return this.phones(device.extension, headers);
    const out = this.outside(device.number, headers, { callerClass: 'mobile' });
    return 'leg' in out ? [out.leg] : [];
  }
}

/**
 * A phone is reached at its Contact, unless it registered over a stream
 * (the call must use that connection) or from another address than its
 * Contact says (it is behind NAT): then the call follows the flow the
 * REGISTER came on.
 */
export function flowProxy({ uri, flow }: Binding): string | undefined {
  const contactHost = /@([^:;>]+)/.exec(uri)?.[1];
  if (flow.protocol === 'udp' && contactHost === flow.address) return undefined;
  return `sip:${flow.address}:${flow.port};transport=${flow.protocol}`;
}

/** A phone registered over WebSocket (RFC 7118) is a browser: its media is WebRTC. */
function isWebSocket(protocol: string): boolean {
  const p = protocol.toLowerCase();
  return p === 'ws' || p === 'wss';
}
