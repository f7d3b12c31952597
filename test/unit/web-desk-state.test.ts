/**
 * The agent desktop's reading of the agent's own events (server/web/
 * desktop/desk-state.ts): the offer with the call's details and a wait
 * that grows while the caller is in line, notices of a missed offer and of
 * a pause the agent did not ask for; and the CRM link with its values
 * URL-encoded.
 */
import { describe, expect, it } from 'vitest';
import { crmLink } from '../../server/web/desktop/crm-link.js';
import { DeskState, waitedSeconds } from '../../server/web/desktop/desk-state.js';
import type { AgentLive, CallLive, LiveMessage } from '../../server/web/live/wire.js';

const AT = '2026-12-02T09:00:00.000Z';
const T0 = Date.parse(AT);
let seq = 0;

const agent = (state: AgentLive['state'], more: Partial<AgentLive> = {}): LiveMessage =>
  ({ type: 'agent', seq: ++seq, at: AT, agent: { id: '1002', name: 'Erik', state, since: AT, secondsInState: 0, call: null, ...more } });
const call = (more: Partial<CallLive>): LiveMessage => ({
  type: 'call', seq: ++seq, at: AT,
  call: {
    callId: 'c1', service: 'Kort och spärr', dialled: '+46313900603', caller: '+46701740653', since: AT, stage: 'ringing',
    queueId: 'kort', waitSeconds: 12, agentId: '1002', vip: true, ...more,
  },
});
const offered = { callId: 'c1', entryId: 'e1', queueId: 'kort', caller: '+46701740653', service: 'Kort och spärr' };

describe("the agent's desk", () => {
  it('shows the offer with what the caller dialled, their wait growing while they are in line, and VIP', () => {
    const desk = new DeskState('1002');
    desk.apply(agent('ready'), T0);
    expect(desk.offer).toBeUndefined();
    desk.apply(call({}), T0);
    desk.apply(agent('reserved', { call: offered }), T0);
    const offer = desk.offer!;
    expect(offer).toMatchObject({ service: 'Kort och spärr', dialled: '+46313900603', caller: '+46701740653', vip: true, callback: false });
    expect(waitedSeconds(offer, T0 + 5_400)).toBe(17);

    desk.apply(call({ stage: 'connected', waitSeconds: 15 }), T0 + 3_000);
    desk.apply(agent('busy', { call: offered }), T0 + 3_000);
    expect(desk.offer).toBeUndefined();
    expect(waitedSeconds(desk.current!, T0 + 60_000)).toBe(15);
    expect(desk.notices).toEqual([]);
  });

  it('marks a callback, whose customer has no live call yet', () => {
    const desk = new DeskState('1002');
    desk.apply(agent('reserved', { call: { entryId: 'e2', queueId: 'kort', caller: '+46701111111', service: 'Kort och spärr', callback: true } }), T0);
    expect(desk.offer).toMatchObject({ callback: true, caller: '+46701111111', vip: false });
    expect(waitedSeconds(desk.offer!, T0)).toBeUndefined();
  });

  it('tells of an offer let ring out, but not of a caller who hung up while it rang', () => {
    const desk = new DeskState('1002');
    desk.apply(agent('reserved', { call: offered }), T0);
    desk.apply(agent('ready', { missedInRow: 1 }), T0 + 20_000);
    expect(desk.notices).toEqual([{ kind: 'missed-offer', at: T0 + 20_000, caller: '+46701740653', service: 'Kort och spärr' }]);
    desk.apply(agent('reserved', { call: { ...offered, caller: '+46702222222' }, missedInRow: 1 }), T0 + 30_000);
    // The caller gave up: the count of misses did not move.
    desk.apply(agent('ready', { missedInRow: 1 }), T0 + 35_000);
    expect(desk.notices).toHaveLength(1);
  });

  it('tells of a pause the agent did not ask for here, and not of one they did', () => {
    const desk = new DeskState('1002');
    desk.apply(agent('ready'), T0);
    desk.pauseAsked('Lunch');
    desk.apply(agent('paused', { pauseReason: 'Lunch' }), T0);
    expect(desk.notices).toEqual([]);
    desk.apply(agent('ready'), T0);
    desk.apply(agent('paused', { pauseReason: 'no answer' }), T0 + 1_000);
    expect(desk.notices).toEqual([{ kind: 'paused', at: T0 + 1_000, reason: 'no answer' }]);
    desk.dismiss(desk.notices[0]!);
    expect(desk.notices).toEqual([]);
  });

  it("ignores another agent's state", () => {
    const desk = new DeskState('1001');
    expect(desk.apply(agent('paused', { pauseReason: 'Möte' }), T0)).toBe(false);
    expect(desk.agent).toBeUndefined();
  });
});

describe('the CRM link', () => {
  it('puts in the call\'s values URL-encoded, and nothing for a value not known', () => {
    expect(crmLink('https://crm.example.com/sok?tel={caller}&nr={dialled}&tj={service}', { caller: '+46701740653', service: 'Kort & spärr' }))
      .toBe('https://crm.example.com/sok?tel=%2B46701740653&nr=&tj=Kort%20%26%20sp%C3%A4rr');
  });
});
