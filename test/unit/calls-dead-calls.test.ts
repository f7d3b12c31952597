/**
 * Dead calls on the calls layer, on the simulated clock: when the media
 * server reports that a leg stopped sending RTP (`rtp-timeout`, after
 * rtp.timeoutSeconds), the call ends as if that side had hung up without
 * a BYE: both legs released, the agent freed, the call ended for the ACD.
 * The agent's leg of a queue call and either leg of a callback alike.
 */
import { describe, expect, it } from 'vitest';
import type { NodeDef } from '../../server/ivr/flow.js';
import { SERVICE, SERVICE_NUMBER, agentAt, callsHarness, flow } from '../support/calls.js';

const queueNode: NodeDef = { id: 'ko', type: 'queue', queue: 'support', announceEverySeconds: 0 };

describe('a leg that stops sending RTP ends its call', () => {
  it('the agent\'s phone goes silent mid-call: the caller gets BYE, the agent\'s leg is released, the call ended, the agent freed', async () => {
    const h = await callsHarness({ agents: [agentAt('1001')], loggedIn: ['1001'] });
    const caller = h.incoming(flow([queueNode]));
    await h.advance(3);
    const ringing = h.telephony.ringing('1001')!;
    const agentLeg = ringing.answer();
    await h.advance(60);
    expect(h.acd.agent('1001')?.state).toBe('busy');
    ringing.endpoint.emit('rtp-timeout');
    await caller.over;
    expect(caller.leg.hungUpByUs).toBe(true);
    expect(agentLeg.hungUpByUs).toBe(true);
    expect(h.of('ended')).toMatchObject([{ agentId: '1001' }]);
    await h.advance(10);
    expect(h.acd.agent('1001')?.state).toBe('ready');
    h.assertNothingLeft();
  });

  it.each(['customer', 'agent'] as const)('a callback whose %s goes silent once connected: both released, the callback completed, the agent freed', async (silent) => {
    const h = await callsHarness({ agents: [agentAt('1001')] });
    await h.acd.enqueue(h.call('cb', {
      kind: 'callback', data: { callbackNumber: '+46701740699', service: SERVICE, dialled: SERVICE_NUMBER, language: 'sv' },
    }));
    await h.acd.login('1001');
    await h.advance(0);
    const agentRing = h.telephony.ringing('1001')!;
    const agentLeg = agentRing.answer();
    await h.advance(12);
    const customerRing = h.telephony.ringing('+46701740699')!;
    const customerLeg = customerRing.answer();
    await h.advance(30);
    expect(h.callEventsOf('callback-connected')).toHaveLength(1);
    (silent === 'customer' ? customerRing : agentRing).endpoint.emit('rtp-timeout');
    await h.advance(0);
    expect(agentLeg.hungUpByUs || agentLeg.hungUpByFarEnd).toBe(true);
    expect(customerLeg.hungUpByUs).toBe(true);
    expect(h.of('callback-done')).toMatchObject([{ entryId: 'cb', outcome: 'completed' }]);
    await h.advance(10);
    expect(h.acd.agent('1001')?.state).toBe('ready');
    expect(h.media.live).toEqual([]);
  });
});
