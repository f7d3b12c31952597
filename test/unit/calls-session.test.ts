/**
 * A call to a service number on the calls layer, on the simulated clock:
 * the flow, the queue wait, the agent's phones, the conversation, and a
 * hang-up by either party at every stage. SIP and media are scripted
 * (test/support/calls.ts); the ACD is the real one.
 */
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { CallSession } from '../../server/calls/session.js';
import type { NodeDef } from '../../server/ivr/flow.js';
import { CALLER, SERVICE, SERVICE_NUMBER, agentAt, callsHarness, flow, flush } from '../support/calls.js';

const queueNode = (over: Record<string, unknown> = {}): NodeDef => ({ id: 'ko', type: 'queue', queue: 'support', ...over });
const welcomeThenQueue = flow([{ id: 'hej', type: 'play', prompts: ['welcome'], next: 'ko' }, queueNode()]);

describe('a caller hangs up', () => {
  it('in the flow, before the queue: the flow stops, nothing enters the ACD', async () => {
    const h = await callsHarness({ agents: [agentAt('1001')], loggedIn: ['1001'] });
    const caller = h.incoming(welcomeThenQueue);
    await h.advance(0.5);
    expect(caller.endpoint.heard('welcome')).toBe(true);
    caller.leg.farEndHangsUp();
    await caller.over;
    expect(h.of('queued')).toEqual([]);
    expect(h.callEventsOf('call-ended')).toMatchObject([{ by: 'caller' }]);
    expect(caller.leg.hungUpByUs).toBe(false);
    h.assertNothingLeft();
  });

  it('while queued: abandoned in the ACD, the queue experience stops', async () => {
    const h = await callsHarness({ agents: [agentAt('1001')] });
    const caller = h.incoming(welcomeThenQueue);
    await h.advance(45);
    expect(caller.endpoint.heard('queue_position_prefix')).toBe(true);
    expect(caller.endpoint.onHold).toBe(true);
    caller.leg.farEndHangsUp();
    await caller.over;
    expect(h.of('abandoned')).toMatchObject([{ queueId: 'support', waitMs: 44_000 }]);
    h.assertNothingLeft();
  });

  it('while queued between two brand messages: no timer of the queue experience outlives the call', async () => {
    const h = await callsHarness({ agents: [agentAt('1001')] });
    const caller = h.incoming(flow([queueNode({ brandMessages: ['kampanj'], brandMessageEverySeconds: 20 })]));
    await h.advance(30);
    expect(h.clock.pending).toBeGreaterThan(0);
    caller.leg.farEndHangsUp();
    await caller.over;
    h.assertNothingLeft();
  });

  it('while an agent\'s phone rings: the ringing is cancelled and the agent is not left reserved', async () => {
    const h = await callsHarness({ agents: [agentAt('1001')], loggedIn: ['1001'] });
    const caller = h.incoming(flow([queueNode()]));
    await h.advance(1);
    const ringing = h.telephony.ringing('1001')!;
    expect(ringing).toBeDefined();
    expect(h.acd.agent('1001')?.state).toBe('reserved');
    caller.leg.farEndHangsUp();
    await caller.over;
    expect(ringing.cancelled).toBe(true);
    expect(h.acd.agent('1001')?.state).toBe('ready');
    expect(h.of('abandoned')).toHaveLength(1);
    expect(h.of('offer-missed')).toEqual([]);
    h.assertNothingLeft();
  });
});

describe('an agent answers', () => {
  async function answered() {
    const h = await callsHarness({ agents: [agentAt('1001')], loggedIn: ['1001'] });
    const caller = h.incoming(flow([queueNode()]));
    await h.advance(3);
    const ringing = h.telephony.ringing('1001')!;
    expect(ringing.legs[0]!.headers).toMatchObject({ 'X-Service': SERVICE, 'X-Dialled-Number': SERVICE_NUMBER, 'X-Wait-Seconds': '0' });
    expect(ringing.legs[0]!.headers.From).toContain(`[${SERVICE}] ${CALLER}`);
    const agentLeg = ringing.answer();
    await h.advance(0);
    expect(caller.endpoint.bridgedTo).toBe(ringing.endpoint);
    expect(h.acd.agent('1001')?.state).toBe('busy');
    expect(h.callEventsOf('agent-connected')).toMatchObject([{ agentId: '1001' }]);
    await h.advance(120);
    return { h, caller, agentLeg };
  }

  it('the caller hangs up: the agent\'s leg is released, the ACD told the call ended once, wrap-up then ready', async () => {
    const { h, caller, agentLeg } = await answered();
    caller.leg.farEndHangsUp();
    await caller.over;
    expect(agentLeg.hungUpByUs).toBe(true);
    expect(h.of('ended')).toMatchObject([{ agentId: '1001', handleMs: 120_000 }]);
    expect(h.callEventsOf('call-ended')).toMatchObject([{ by: 'caller' }]);
    expect(h.acd.agent('1001')?.state).toBe('wrap-up');
    await h.advance(10);
    expect(h.acd.agent('1001')?.state).toBe('ready');
    h.assertNothingLeft();
  });

  it('an endpoint the media server cannot release still ends the call: the ACD is told, the agent is not left busy', async () => {
    const { h, caller, agentLeg } = await answered();
    caller.endpoint.failsToRelease = true;
    agentLeg.farEndHangsUp();
    await caller.over;
    expect(h.of('ended')).toHaveLength(1);
    expect(h.acd.agent('1001')?.state).toBe('wrap-up');
  });

  it('the agent hangs up: the caller gets BYE, the ACD told the call ended once', async () => {
    const { h, caller, agentLeg } = await answered();
    agentLeg.farEndHangsUp();
    await caller.over;
    expect(caller.leg.hungUpByUs).toBe(true);
    expect(h.of('ended')).toHaveLength(1);
    expect(h.callEventsOf('call-ended')).toMatchObject([{ by: 'agent' }]);
    expect(h.acd.agent('1001')?.state).toBe('wrap-up');
    await h.advance(10);
    h.assertNothingLeft();
  });
});

describe('the queue wait', () => {
  it('an agent who does not answer within the ring timeout is skipped: the next agent\'s phone rings', async () => {
    const h = await callsHarness({ agents: [agentAt('1001'), agentAt('1002')], loggedIn: ['1001', '1002'] });
    const caller = h.incoming(flow([queueNode()]));
    await h.advance(0);
    const first = h.telephony.ringing('1001')!;
    expect(h.telephony.ringing('1002')).toBeUndefined();
    await h.advance(19.9);
    expect(first.outcome).toBe('ringing');
    await h.advance(0.1);
    expect(first.cancelled).toBe(true);
    expect(h.of('offer-missed')).toMatchObject([{ agentId: '1001' }]);
    const second = h.telephony.ringing('1002')!;
    expect(second).toBeDefined();
    second.answer();
    await h.advance(0);
    expect(h.acd.agent('1002')?.state).toBe('busy');
    caller.leg.farEndHangsUp();
    await caller.over;
    await h.advance(10);
    h.assertNothingLeft();
  });

  it('the phones refuse (busy): a missed offer at once, no ring timeout waited for', async () => {
    const h = await callsHarness({ agents: [agentAt('1001'), agentAt('1002')], loggedIn: ['1001', '1002'] });
    const caller = h.incoming(flow([queueNode()]));
    await h.advance(0);
    h.telephony.ringing('1001')!.refuse(486);
    await h.advance(0);
    expect(h.of('offer-missed')).toMatchObject([{ agentId: '1001' }]);
    expect(h.telephony.ringing('1002')).toBeDefined();
    caller.leg.farEndHangsUp();
    await caller.over;
    h.assertNothingLeft();
  });

  it('the maximum wait overflows at exactly maxWaitSeconds: overflowed (not abandoned), and the flow goes on', async () => {
    const h = await callsHarness({ agents: [agentAt('1001')] });
    const caller = h.incoming(flow([
      queueNode({ maxWaitSeconds: 90, branches: { overflow: 'hejda' } }),
      { id: 'hejda', type: 'play', prompts: ['goodbye'] },
    ]));
    const t0 = h.clock.now();
    await h.advance(89.999);
    expect(h.of('overflowed')).toEqual([]);
    await h.advance(0.001);
    expect(h.of('overflowed')).toMatchObject([{ at: t0 + 90_000, waitMs: 90_000 }]);
    expect(h.of('abandoned')).toEqual([]);
    await h.advance(2);
    await caller.over;
    expect(caller.endpoint.heard('goodbye')).toBe(true);
    expect(caller.leg.hungUpByUs).toBe(true);
    h.assertNothingLeft();
  });

  it('a call for one agent (personal queue) rings that agent first, though another is idle longer; after personalOverflowSeconds another agent gets it', async () => {
    const h = await callsHarness({
      agents: [agentAt('1001'), agentAt('1002')], loggedIn: ['1001', '1002'], queue: { personalOverflowSeconds: 45 },
    });
    const { line } = h.telephony.line();
    const session = new CallSession(h.center.services, line, {
      callId: 'personal', caller: { number: CALLER }, number: { number: SERVICE_NUMBER, service: SERVICE, personalAgent: '1002' },
      flow: flow([queueNode()]),
    }, pino({ level: 'silent' }));
    expect(session.call.personalAgent).toBe('1002');
    const t0 = h.clock.now();
    const waiting = session.enqueue({ queueId: 'support', priority: 0, personalAgentId: '1002', experience: {}, data: {} },
      new AbortController().signal);
    await h.advance(0);
    const personal = h.telephony.ringing('1002')!;
    expect(personal).toBeDefined();
    expect(h.telephony.ringing('1001')).toBeUndefined();
    // The agent steps away: the offer is taken back, and the call waits for them until the overflow.
    await h.acd.pause('1002', 'lunch');
    await flush();
    expect(personal.cancelled).toBe(true);
    await h.advance(44.9);
    expect(h.telephony.ringing('1001')).toBeUndefined();
    await h.advance(0.1);
    expect(h.clock.now()).toBe(t0 + 45_000);
    h.telephony.ringing('1001')!.answer();
    expect(await waiting).toEqual({ outcome: 'answered', agentId: '1001' });
    expect(h.of('answered')).toMatchObject([{ agentId: '1001', waitMs: 45_000 }]);
    expect(h.telephony.rung.map((r) => r.uris[0])).toEqual(['sip:1002@phones.test', 'sip:1001@phones.test']);
  });

  it('a personal queue for an extension that is no agent\'s (a CRM\'s answer, keyed digits) is an ordinary queue call: answered at once', async () => {
    const h = await callsHarness({ agents: [agentAt('1001')], loggedIn: ['1001'], queue: { personalOverflowSeconds: 45 } });
    const { line } = h.telephony.line();
    const session = new CallSession(h.center.services, line, {
      callId: 'nobody', caller: { number: CALLER }, number: { number: SERVICE_NUMBER, service: SERVICE }, flow: flow([queueNode()]),
    }, pino({ level: 'silent' }));
    const waiting = session.enqueue({ queueId: 'support', priority: 0, personalAgentId: '1099', experience: {}, data: {} },
      new AbortController().signal);
    await h.advance(0);
    expect(h.of('queued')).toHaveLength(1);
    expect(h.of('queued')[0]!.entry.personalAgentId).toBeUndefined();
    h.telephony.ringing('1001')!.answer();
    expect(await waiting).toEqual({ outcome: 'answered', agentId: '1001' });
  });
});

describe('an agent calls a queue they are in from their own phone', () => {
  it('with no other agent: never offered their own call, busy from the answer to the end, then ready and not paused', async () => {
    const h = await callsHarness({ agents: [agentAt('1006')], loggedIn: ['1006'] });
    const caller = h.incoming(flow([queueNode({ maxWaitSeconds: 90 }), { id: 'hejda', type: 'hangup' }]), undefined, '1006');
    await h.advance(1);
    expect(h.acd.agent('1006')).toMatchObject({ state: 'busy', otherCalls: ['call-1'] });
    await h.advance(100);
    await caller.over;
    expect(h.of('overflowed')).toHaveLength(1);
    expect(h.of('offered-to-agent')).toEqual([]);
    expect(h.telephony.rung).toEqual([]);
    expect(h.acd.agent('1006')?.state).toBe('ready');
    expect(h.acd.agent('1006')?.otherCalls).toBeUndefined();
    h.assertNothingLeft();
  });

  it('with another agent ready: that agent gets it', async () => {
    const h = await callsHarness({ agents: [agentAt('1006'), agentAt('1002')], loggedIn: ['1006', '1002'] });
    const caller = h.incoming(flow([queueNode()]), undefined, '1006');
    await h.advance(1);
    expect(h.of('offered-to-agent')).toMatchObject([{ agentId: '1002' }]);
    h.telephony.ringing('1002')!.answer();
    await h.advance(30);
    caller.leg.farEndHangsUp();
    await caller.over;
    expect(h.telephony.rung.flatMap((r) => r.uris)).toEqual(['sip:1002@phones.test']);
    await h.advance(10);
    expect(h.acd.agent('1006')?.state).toBe('ready');
    h.assertNothingLeft();
  });
});

describe('a mobile agent behind a trunk that does not answer', () => {
  it('the leg fails with 408 at the trunk\'s answer timeout: trunk-unreachable at once, a missed offer, the caller keeps waiting', async () => {
    const h = await callsHarness({ agents: [agentAt('1001', { device: { kind: 'mobile', number: '+46701740605' } })], loggedIn: ['1001'] });
    const caller = h.incoming(flow([queueNode()]));
    await h.advance(1);
    const refusedAt = h.clock.now();
    h.telephony.ringing('+46701740605')!.refuse(408);
    await h.advance(0);
    expect(h.callEventsOf('trunk-unreachable')).toMatchObject([{ callId: 'call-1', uri: 'sip:+46701740605@trunk.test', at: refusedAt }]);
    expect(h.of('offer-missed')).toMatchObject([{ agentId: '1001' }]);
    expect(caller.line.active).toBe(true);
    caller.leg.farEndHangsUp();
    await caller.over;
    await h.advance(30);
    h.assertNothingLeft();
  });
});
