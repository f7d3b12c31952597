/**
 * The operator network around the product, played by SIPp: callers come
 * from the trunk's trusted source (TRUNK_SOURCE_IP), and the trunk's far end
 * (mobiles, customers called back) answers what the product dials out on
 * TRUNK_HOST_IP.
 */
import { expect } from 'vitest';
import type { BaresipPhone } from './baresip.js';
import { TRUNK_HOST_IP, TRUNK_SOURCE_IP } from './product.js';
import { assertSippOk, runSipp, startSippUas, type SippCommonOptions, type SippResult, type SippUas } from './sipp.js';
import { freePortRange } from './ports.js';
import { RtpPeer } from './rtp-peer.js';

/** Where test/sipp/uac-talk-expect-bye.xml announces its media: this far above SIPp's own media port (-mp). */
const TAP_PORT_OFFSET = 4;

/**
 * A caller from the operator network who echoes the audio they get, so a
 * phone that hears its own tone back was heard through the whole call. Waits
 * for our BYE, or hangs up `hangUpAfterMs` after the answer; resolves when
 * SIPp is done. `callId`: the call's Call-ID, for a test that finds the
 * call's contact record by it.
 */
export async function callFromOperatorNetwork(
  sipPort: number, number: string, caller: string, opts: { hangUpAfterMs?: number; callId?: string } = {},
): Promise<SippResult> {
  const mediaPort = await freePortRange(4, 'udp');
  return runSipp({
    scenario: opts.hangUpAfterMs === undefined ? 'uac-expect-bye.xml' : 'uac-basic.xml',
    remote: sipPort, service: number, keys: { caller },
    ...(opts.hangUpAfterMs !== undefined ? { durationMs: opts.hangUpAfterMs } : {}),
    rtpEcho: true, mediaPort, timeoutMs: 45_000,
    extraArgs: ['-i', TRUNK_SOURCE_IP, ...(opts.callId !== undefined ? ['-cid_str', opts.callId] : [])],
  });
}

/** A call from the operator network whose media address is a recording tap. */
export interface TappedCall {
  /** Every RTP packet the switch sent to the caller's announced media address. */
  tap: RtpPeer;
  /** Settles when SIPp is done: after the switch's BYE, or at `timeoutMs`. */
  exited: Promise<SippResult>;
}

/**
 * A caller from the operator network (SIPp, uac-talk-expect-bye.xml) who
 * talks `voicePcap` (see ./rtp-pcap.ts) once answered and waits for our BYE.
 * SIPp records nothing: its INVITE announces a media address that a tap
 * (an RtpPeer here) listens on, and the voice is sent from that address,
 * so what the switch sends the caller is what the tap keeps. Close the tap
 * when done.
 */
export async function callTalkingFromOperatorNetwork(
  sipPort: number, number: string, caller: string, opts: { voicePcap: string; timeoutMs: number },
): Promise<TappedCall> {
  // SIPp binds its media port and the one two above it; the tap takes the one the scenario announces.
  const mediaPort = await freePortRange(TAP_PORT_OFFSET + 1, 'udp');
  const tap = await RtpPeer.open(TRUNK_SOURCE_IP, mediaPort + TAP_PORT_OFFSET);
  const exited = runSipp({
    scenario: 'uac-talk-expect-bye.xml', remote: sipPort, service: number, keys: { caller, voice: opts.voicePcap },
    mediaPort, timeoutMs: opts.timeoutMs,
    extraArgs: ['-i', TRUNK_SOURCE_IP, '-mi', TRUNK_SOURCE_IP],
  });
  return { tap, exited };
}

/**
 * The trunk's far end, listening at `trunkPort` on TRUNK_HOST_IP: one call
 * unless told otherwise, its messages traced for the test to read. `echo`:
 * it sends back the audio it gets.
 */
export async function startTrunkFarEnd(
  trunkPort: number, opts: Omit<SippCommonOptions, 'localPort' | 'rtpEcho' | 'mediaPort'> & { echo?: boolean },
): Promise<SippUas> {
  const { echo, ...sipp } = opts;
  return startSippUas({
    calls: 1, traceMessages: true, ...sipp, localPort: trunkPort,
    ...(echo ? { rtpEcho: true, mediaPort: await freePortRange(4, 'udp') } : {}),
    extraArgs: ['-i', TRUNK_HOST_IP, '-mi', TRUNK_HOST_IP, ...(sipp.extraArgs ?? [])],
  });
}

/**
 * A half-second call from the operator network to +46313900604, which
 * rings extension 1004 directly (ringExtensionsDirectly): resolves once SIPp
 * is done and `phone`, 1004's, had it as an incoming call.
 */
export async function expectCallReaches1004(sipPort: number, phone: BaresipPhone): Promise<void> {
  const call = await runSipp({
    scenario: 'uac-basic.xml', remote: sipPort, service: '+46313900604', durationMs: 500,
    extraArgs: ['-i', TRUNK_SOURCE_IP],
  });
  assertSippOk(call, 1);
  const established = await phone.waitEvent('CALL_ESTABLISHED', 10_000);
  expect(established.direction).toBe('incoming');
}
