/**
 * A flow's transfer node on the calls layer (server/calls/transfer.ts), on
 * the simulated clock: the target's phones ring at most the node's time,
 * busy and unanswered targets take the failed branch, a caller who leaves
 * while it rings cancels the ringing, and an agent's extension that takes
 * the call keeps that agent from queue calls until it ends.
 */
import { describe, expect, it } from 'vitest';
import type { NodeDef } from '../../server/ivr/flow.js';
import { CALLER, SERVICE, agentAt, callsHarness, flow } from '../support/calls.js';

const transferTo = (to: string): NodeDef[] => [
  { id: 'koppla', type: 'transfer', to, timeoutSeconds: 25, branches: { failed: 'hejda' } },
  { id: 'hejda', type: 'play', prompts: ['goodbye'] },
];
const outcomes = (h: { callEventsOf(t: 'transfer'): Array<{ outcome: string }> }) => h.callEventsOf('transfer').map((e) => e.outcome);

describe('a transfer', () => {
  it('nobody answers within timeoutSeconds: the ringing is cancelled at exactly that time and the failed branch runs', async () => {
    const h = await callsHarness({ agents: [] });
    const caller = h.incoming(flow(transferTo('+46701740605')));
    await h.advance(0);
    const ringing = h.telephony.ringing('+46701740605')!;
    expect(ringing.legs[0]!.headers).toMatchObject({ 'X-Service': SERVICE });
    expect(ringing.legs[0]!.headers.From).toContain(CALLER);
    expect(caller.endpoint.onHold).toBe(true);
    await h.advance(24.9);
    expect(ringing.outcome).toBe('ringing');
    await h.advance(0.1);
    expect(ringing.cancelled).toBe(true);
    expect(outcomes(h)).toEqual(['no-answer']);
    await h.advance(3);
    await caller.over;
    expect(caller.endpoint.heard('goodbye')).toBe(true);
    expect(caller.leg.hungUpByUs).toBe(true);
    h.assertNothingLeft();
  });

  it('the target is busy: the failed branch at once, no timer left running', async () => {
    const h = await callsHarness({ agents: [] });
    const caller = h.incoming(flow(transferTo('1003')));
    await h.advance(0);
    h.telephony.ringing('1003')!.refuse(486);
    await h.advance(0);
    expect(outcomes(h)).toEqual(['busy']);
    expect(caller.endpoint.played.at(-1)!.files.at(-1)).toMatch(/goodbye\.wav$/);
    await h.advance(3);
    await caller.over;
    h.assertNothingLeft();
  });

  it('the trunk does not answer (408 at its answer timeout): trunk-unreachable at once, the caller hears "please hold", then the failed branch', async () => {
    const h = await callsHarness({ agents: [] });
    const caller = h.incoming(flow(transferTo('+46701740605')));
    await h.advance(0);
    const refusedAt = h.clock.now();
    h.telephony.ringing('+46701740605')!.refuse(408);
    await h.advance(0);
    expect(h.callEventsOf('trunk-unreachable')).toMatchObject([{ callId: 'call-1', uri: 'sip:+46701740605@trunk.test', at: refusedAt }]);
    expect(caller.endpoint.played.at(-1)!.files).toEqual([expect.stringMatching(/please_hold\.wav$/)]);
    await h.advance(1);
    expect(outcomes(h)).toEqual(['unavailable']);
    expect(caller.endpoint.played.filter((p) => !p.loop).map((p) => p.cut)).toEqual([false, undefined]);
    expect(caller.endpoint.heard('goodbye')).toBe(true);
    await h.advance(3);
    await caller.over;
    h.assertNothingLeft();
  });

  it('an extension that does not answer with 408 is no trunk: no trunk-unreachable', async () => {
    const h = await callsHarness({ agents: [] });
    const caller = h.incoming(flow(transferTo('1003')));
    await h.advance(0);
    h.telephony.ringing('1003')!.refuse(408);
    await h.advance(5);
    await caller.over;
    expect(h.callEventsOf('trunk-unreachable')).toEqual([]);
    expect(caller.endpoint.heard('please_hold')).toBe(false);
    h.assertNothingLeft();
  });

  it('the caller hangs up while the target rings: the ringing is cancelled, the failed branch does not run', async () => {
    const h = await callsHarness({ agents: [] });
    const caller = h.incoming(flow(transferTo('1003')));
    await h.advance(5);
    const ringing = h.telephony.ringing('1003')!;
    caller.leg.farEndHangsUp();
    await caller.over;
    expect(ringing.cancelled).toBe(true);
    expect(outcomes(h)).toEqual(['caller-left']);
    expect(caller.endpoint.heard('goodbye')).toBe(false);
    expect(h.callEventsOf('call-ended')).toMatchObject([{ by: 'caller' }]);
    h.assertNothingLeft();
  });

  it('an agent\'s extension answers: bridged, the agent is busy for the ACD until the call ends, then ready without wrap-up', async () => {
    const h = await callsHarness({ agents: [agentAt('1003')], loggedIn: ['1003'] });
    const caller = h.incoming(flow(transferTo('1003')));
    await h.advance(0);
    const ringing = h.telephony.ringing('1003')!;
    const agentLeg = ringing.answer();
    await h.advance(0);
    expect(outcomes(h)).toEqual(['connected']);
    expect(caller.endpoint.bridgedTo).toBe(ringing.endpoint);
    expect(h.acd.agent('1003')?.state).toBe('busy');
    await h.advance(60);
    agentLeg.farEndHangsUp();
    await caller.over;
    expect(caller.leg.hungUpByUs).toBe(true);
    expect(h.acd.agent('1003')?.state).toBe('ready');
    h.assertNothingLeft();
  });
});
