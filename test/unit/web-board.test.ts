/**
 * The queue monitor's board (server/web/live/board.ts): a live view, the
 * events after it, and times that tick between events.
 */
import { describe, expect, it } from 'vitest';
import { Board } from '../../server/web/live/board.js';
import type { AgentLive, CallLive, LiveView, QueueLive } from '../../server/web/live/wire.js';

const T0 = Date.parse('2026-12-02T09:00:00Z');
const AT = new Date(T0).toISOString();

const queue = (id: string, name: string, over: Partial<QueueLive> = {}): QueueLive => ({
  id, name, waiting: 0, offered: 0, longestWaitSeconds: 0, estimatedWaitSeconds: 30,
  agents: { ready: 1, reserved: 0, busy: 0, 'wrap-up': 0, paused: 0, 'logged-out': 0 }, ...over,
});
const call = (callId: string, queueId: string | null, waitSeconds: number, over: Partial<CallLive> = {}): CallLive => ({
  callId, service: 'Kort och spärr', dialled: '+46313900603', caller: `+4670${callId}`, since: AT,
  stage: 'waiting', queueId, waitSeconds, agentId: null, vip: false, ...over,
});
const agent = (id: string, name: string, secondsInState: number): AgentLive => ({
  id, name, state: 'ready', since: AT, secondsInState, call: null,
});

function loaded(view: Partial<LiveView> = {}): Board {
  const board = new Board();
  board.load({ at: AT, queues: [], agents: [], calls: [], ...view }, T0);
  return board;
}

describe('the queue monitor board', () => {
  it('lists callers in line by queue, longest waiting first, and leaves out calls not in line', () => {
    const board = loaded({
      queues: [queue('kort', 'Kort'), queue('kundtjanst', 'Kundtjänst')],
      calls: [
        call('1', 'kundtjanst', 5), call('2', 'kort', 10), call('3', 'kort', 40, { stage: 'ringing' }),
        call('4', 'kort', 90, { stage: 'connected' }), call('5', null, 0, { stage: 'ivr' }),
      ],
    });
    expect(board.waitingCallers(T0).map((r) => [r.queueName, r.position, r.call.callId, r.waitSeconds])).toEqual([
      ['Kort', 1, '3', 40], ['Kort', 2, '2', 10], ['Kundtjänst', 1, '1', 5],
    ]);
  });

  it('ticks waits and times in state between events, by whole seconds', () => {
    const board = loaded({
      queues: [queue('kort', 'Kort', { waiting: 1, longestWaitSeconds: 10 })],
      calls: [call('1', 'kort', 10)],
      agents: [agent('1001', 'Anna', 100)],
    });
    const later = T0 + 2_900;
    expect(board.waitingCallers(later)[0]!.waitSeconds).toBe(12);
    expect(board.longestWaitSeconds('kort', later)).toBe(12);
    expect(board.agentList(later)[0]!.secondsInState).toBe(102);
  });

  it('has no longest wait for a queue nobody is in line for, however long ago it came', () => {
    const board = loaded({ queues: [queue('kort', 'Kort')] });
    expect(board.longestWaitSeconds('kort', T0 + 60_000)).toBe(0);
  });

  it('replaces what an event carries, counting its time from when it came, and drops what ended or was removed', () => {
    const board = loaded({ queues: [queue('kort', 'Kort'), queue('vaxel', 'Växel')], agents: [agent('1001', 'Anna', 0)] });
    board.apply({ type: 'call', seq: 1, at: AT, call: call('1', 'kort', 0) }, T0 + 5_000);
    board.apply({ type: 'queue', seq: 2, at: AT, queue: queue('kort', 'Kort', { waiting: 1 }) }, T0 + 5_000);
    expect(board.waitingCallers(T0 + 6_000).map((r) => [r.call.callId, r.waitSeconds])).toEqual([['1', 1]]);
    expect(board.inLine(board.queueList()[0]!)).toBe(1);

    board.apply({ type: 'call-ended', seq: 3, at: AT, call: call('1', 'kort', 2) }, T0 + 7_000);
    board.apply({ type: 'queue-removed', seq: 4, at: AT, queueId: 'vaxel' }, T0 + 7_000);
    board.apply({ type: 'agent-removed', seq: 5, at: AT, agentId: '1001' }, T0 + 7_000);
    expect(board.waitingCallers(T0 + 8_000)).toEqual([]);
    expect(board.queueList().map((q) => q.id)).toEqual(['kort']);
    expect(board.agentList(T0 + 8_000)).toEqual([]);
  });

  it('starts again from a new view, forgetting what the old one had', () => {
    const board = loaded({ calls: [call('1', 'kort', 3)], queues: [queue('kort', 'Kort')] });
    board.load({ at: AT, queues: [queue('vaxel', 'Växel')], agents: [], calls: [] }, T0);
    expect(board.waitingCallers(T0)).toEqual([]);
    expect(board.queueList().map((q) => q.id)).toEqual(['vaxel']);
  });
});
