/**
 * A hang-up is a normal event: whoever hangs up, at whatever stage of the
 * call (in a menu, queued, while an agent's phone rings, in conversation,
 * while a transfer rings), the call's log says so at info level, one line,
 * and writes nothing at error level and no stack trace. The calls layer on
 * the simulated clock (test/support/calls.ts), its log captured.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { NodeDef } from '../../server/ivr/flow.js';
import { agentAt, callsHarness, flow, type CallerOnLine, type CallsHarness, type ScriptedEndpoint } from '../support/calls.js';

type Line = Record<string, unknown> & { level: number; msg: string };

async function harness(loggedIn: string[]): Promise<{ h: CallsHarness; lines: Line[] }> {
  const lines: Line[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => { lines.push(JSON.parse(line) as Line); } });
  const h = await callsHarness({ agents: [agentAt('1001'), agentAt('1002')], loggedIn, logger });
  return { h, lines };
}

/** Nothing at error level or above, no stack trace anywhere, and the hang-up told at info level. */
function expectCalmLog(lines: Line[], told: RegExp): void {
  expect(lines.filter((l) => l.level >= 50)).toEqual([]);
  expect(lines.filter((l) => JSON.stringify(l).includes('"stack"'))).toEqual([]);
  expect(lines.filter((l) => l.level === 30 && told.test(l.msg))).toHaveLength(1);
}

const menu: NodeDef = { id: 'meny', type: 'menu', prompts: ['welcome'], timeoutSeconds: 5, retries: 2, branches: { '1': 'ko' } };
const queue: NodeDef = { id: 'ko', type: 'queue', queue: 'support' };

async function hangUp(h: CallsHarness, caller: CallerOnLine): Promise<void> {
  caller.leg.farEndHangsUp();
  await caller.over;
  await h.advance(30);
}

describe('a hang-up is logged as a normal event', () => {
  it('the caller hangs up in a menu while its prompt plays', async () => {
    const { h, lines } = await harness([]);
    const caller = h.incoming(flow([menu, queue]));
    await h.advance(0.5);
    expect(caller.endpoint.collecting).toBe(true);
    await hangUp(h, caller);
    expectCalmLog(lines, /caller hung up/);
    expect(lines.some((l) => /flow stopped: hang-up/.test(l.msg))).toBe(true);
    h.assertNothingLeft();
  });

  it('the caller\'s phone stops sending RTP in a menu: one warning, the flow stops as on a hang-up', async () => {
    const { h, lines } = await harness([]);
    const caller = h.incoming(flow([menu, queue]));
    await h.advance(0.5);
    caller.endpoint.emit('rtp-timeout');
    await caller.over;
    await h.advance(30);
    expectCalmLog(lines, /^call ended$/);
    expect(lines.filter((l) => l.level === 40).map((l) => l.msg)).toEqual(['caller sends no RTP: ending the call']);
    expect(caller.leg.hungUpByUs).toBe(true);
    h.assertNothingLeft();
  });

  it('the caller hangs up while queued', async () => {
    const { h, lines } = await harness([]);
    const caller = h.incoming(flow([queue]));
    await h.advance(20);
    await hangUp(h, caller);
    expectCalmLog(lines, /caller hung up/);
    h.assertNothingLeft();
  });

  it('the caller hangs up while an agent\'s phone rings', async () => {
    const { h, lines } = await harness(['1001']);
    const caller = h.incoming(flow([queue]));
    await h.advance(1);
    expect(h.telephony.ringing('1001')).toBeDefined();
    await hangUp(h, caller);
    expectCalmLog(lines, /caller hung up/);
    h.assertNothingLeft();
  });

  it('the caller, or the agent, hangs up in conversation', async () => {
    for (const who of ['caller', 'agent'] as const) {
      const { h, lines } = await harness(['1001']);
      const caller = h.incoming(flow([queue]));
      await h.advance(1);
      const agentLeg = h.telephony.ringing('1001')!.answer();
      await h.advance(60);
      if (who === 'caller') caller.leg.farEndHangsUp();
      else agentLeg.farEndHangsUp();
      await caller.over;
      await h.advance(30);
      expectCalmLog(lines, who === 'caller' ? /caller hung up/ : /agent hung up/);
      h.assertNothingLeft();
    }
  });

  it('the caller hangs up just as the agent answers, while the media is being joined', async () => {
    const { h, lines } = await harness(['1001']);
    const caller = h.incoming(flow([queue]));
    await h.advance(1);
    const ringing = h.telephony.ringing('1001')!;
    (ringing.endpoint as ScriptedEndpoint).onModify = () => caller.leg.farEndHangsUp();
    ringing.answer();
    await caller.over;
    await h.advance(30);
    expectCalmLog(lines, /caller hung up/);
    expect(h.of('answered')).toHaveLength(1);
    expect(h.acd.agent('1001')?.state).toBe('ready');
    h.assertNothingLeft();
  });

  it('the caller hangs up while a transfer rings', async () => {
    const { h, lines } = await harness([]);
    const caller = h.incoming(flow([{ id: 'vidare', type: 'transfer', to: '1002', timeoutSeconds: 20 }]));
    await h.advance(2);
    expect(h.telephony.ringing('1002')).toBeDefined();
    await hangUp(h, caller);
    expectCalmLog(lines, /caller hung up/);
    h.assertNothingLeft();
  });
});
