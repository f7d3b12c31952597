/**
 * What a waiting caller hears and when (server/calls/queue-experience.ts):
 * first the schedule alone, on a made-up timeline, then the player against
 * a fake endpoint and ACD.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { loadPromptSet } from '../../media/speech.js';
import { RealClock } from '../../server/acd/index.js';
import type { Endpoint, PlayOptions, PlayResult } from '../../media/port.js';
import type { CallEvent } from '../../server/calls/center.js';
import { playQueueExperience, QueueSchedule, type Turn, type WaitingCall } from '../../server/calls/queue-experience.js';
import { Speaker } from '../../server/calls/speaker.js';
import type { QueueExperience } from '../../server/ivr/context.js';

const S = 1000;

/** What starts when over the first `horizonMs` of waiting, each message taking `lengthMs[turn]`. */
function timeline(schedule: QueueSchedule, horizonMs: number, lengthMs: Record<Turn, number>): Array<[Turn, number]> {
  const heard: Array<[Turn, number]> = [];
  let t = 0;
  while (t < horizonMs) {
    const turn = schedule.due(t);
    if (turn) {
      heard.push([turn, t / S]);
      t += lengthMs[turn];
      schedule.done(turn, t);
      continue;
    }
    const pause = schedule.untilNext(t);
    if (pause === undefined) break;
    t += pause;
  }
  return heard;
}

describe('the queue schedule: what a waiting caller hears when', () => {
  it('the position on entry and again 60 s after it ended; a brand message at every 90 s of waiting', () => {
    const heard = timeline(new QueueSchedule(60 * S, 90 * S), 200 * S, { position: 2 * S, brand: 10 * S });
    expect(heard).toEqual([
      ['position', 0], ['position', 62], ['brand', 90], ['position', 124], ['brand', 180], ['position', 190],
    ]);
  });

  it('a position and a brand message due at the same moment play one after the other, the position first; the next brand message keeps its time', () => {
    const heard = timeline(new QueueSchedule(4 * S, 5 * S), 17 * S, { position: 1 * S, brand: 1 * S });
    expect(heard).toEqual([
      ['position', 0], ['position', 5], ['brand', 6], ['position', 10], ['brand', 11], ['position', 15], ['brand', 16],
    ]);
  });

  it('a brand message longer than the interval is not followed at once by the next: the next multiple after it ended', () => {
    const heard = timeline(new QueueSchedule(0, 2 * S), 12 * S, { position: 1 * S, brand: 3 * S });
    expect(heard).toEqual([['position', 0], ['brand', 2], ['brand', 6], ['brand', 10]]);
  });

  it('announceEverySeconds 0 and no brand messages: the position on entry, then music only', () => {
    const schedule = new QueueSchedule(0, undefined);
    expect(schedule.due(0)).toBe('position');
    schedule.done('position', 2 * S);
    expect(schedule.due(1_000 * S)).toBeUndefined();
    expect(schedule.untilNext(2 * S)).toBeUndefined();
  });
});

/** An endpoint that plays instantly (a few ms) and remembers what it played; music plays until the next play. */
class FakeEndpoint extends EventEmitter {
  readonly played: Array<{ files: string[]; loop: boolean }> = [];
  private endMusic?: () => void;

  play(file: string | string[], opts: PlayOptions = {}): Promise<PlayResult> {
    this.endMusic?.();
    const files = Array.isArray(file) ? file : [file];
    this.played.push({ files, loop: Boolean(opts.loop) });
    const result: PlayResult = { playbackSeconds: 0, playbackMilliseconds: 0, interrupted: false };
    if (opts.loop) return new Promise((resolve) => { this.endMusic = () => resolve({ ...result, interrupted: true }); });
    return new Promise((resolve) => setTimeout(() => resolve(result), 5));
  }
}

function waitingCall(opts: { recorded: Record<string, string>; ringing?: () => boolean }) {
  const endpoint = new FakeEndpoint();
  const events: CallEvent[] = [];
  const warn = vi.fn();
  const logger = { warn, debug: vi.fn(), info: vi.fn(), error: vi.fn() } as unknown as Logger;
  const call: WaitingCall = {
    endpoint: endpoint as unknown as Endpoint,
    call: { callId: 'c1', caller: '+46701740651', dialled: '+46313900601', service: 'Kundtjänst', language: 'sv' },
    prompts: loadPromptSet(),
    announcements: {
      current: async (slot) => opts.recorded[slot],
      verifyPin: async () => false, draftFile: () => '', save: async () => {},
    },
    logger,
    acd: { positionOf: () => (opts.ringing?.() ? undefined : 1), estimatedWaitSeconds: () => Number.POSITIVE_INFINITY },
    active: true,
    clock: new RealClock(),
    emit: (e) => events.push(e),
  };
  return { call, endpoint, events, warn };
}

const slotsOf = (events: CallEvent[]): string[] => events.flatMap((e) => (e.type === 'brand-message-played' ? [e.slot] : []));

async function listen(call: WaitingCall, experience: QueueExperience, until: () => boolean): Promise<void> {
  const stop = new AbortController();
  const speaker = new Speaker(call.endpoint, stop.signal);
  const playing = playQueueExperience(call, { entryId: 'e1', queueId: 'kundtjanst', stop: stop.signal, speaker }, experience, 60);
  await vi.waitFor(() => expect(until()).toBe(true), { timeout: 10_000, interval: 10 });
  stop.abort();
  await playing;
}

describe('the queue experience on a (fake) line', () => {
  it('brand messages take turns, with the music started again after each; a slot without a recording is passed over with one warning', async () => {
    const { call, endpoint, events, warn } = waitingCall({ recorded: { 'reklam-a': '/a.wav', 'reklam-b': '/b.wav' } });
    await listen(call, { announceEverySeconds: 0, brandMessages: ['reklam-a', 'saknas', 'reklam-b'], brandMessageEverySeconds: 0.03 },
      () => slotsOf(events).length >= 4);
    expect(slotsOf(events).slice(0, 4)).toEqual(['reklam-a', 'reklam-b', 'reklam-a', 'reklam-b']);
    expect(events[0]).toMatchObject({ type: 'queue-announcement', position: 1, waitSeconds: -1 });
    // position, music, a, music, b, music, ...: every message is followed by the music.
    const kinds = endpoint.played.map((p) => (p.loop ? 'music' : p.files[0]!.endsWith('/a.wav') ? 'a' : p.files[0]!.endsWith('/b.wav') ? 'b' : 'position'));
    expect(kinds.slice(0, 8)).toEqual(['position', 'music', 'a', 'music', 'b', 'music', 'a', 'music']);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatchObject({ slot: 'saknas' });
  });

  it('no slot recorded: the music plays on, untouched, and nothing is reported played', async () => {
    const { call, endpoint, events } = waitingCall({ recorded: {} });
    let turns = 0;
    const counting: WaitingCall = { ...call, announcements: { ...call.announcements, current: async () => { turns++; return undefined; } } };
    await listen(counting, { announceEverySeconds: 0, brandMessages: ['saknas'], brandMessageEverySeconds: 0.02 }, () => turns >= 3);
    expect(slotsOf(events)).toEqual([]);
    expect(endpoint.played.map((p) => p.loop)).toEqual([false, true]);
  });

  it('while an agent rings, neither the position nor a brand message is played: the music goes on; then they resume', async () => {
    const ringingUntil = Date.now() + 300;
    const { call, endpoint, events } = waitingCall({ recorded: { 'reklam-a': '/a.wav' }, ringing: () => Date.now() < ringingUntil });
    await listen(call, { announceEverySeconds: 0.05, brandMessages: ['reklam-a'], brandMessageEverySeconds: 0.03 },
      () => slotsOf(events).length >= 1 && events.some((e) => e.type === 'queue-announcement'));
    expect(endpoint.played[0]).toMatchObject({ loop: true });
    // The agent did not answer: the caller is back in line and hears the messages again, and only then.
    for (const e of events) expect(e.at).toBeGreaterThanOrEqual(ringingUntil);
  });

  it('stops when the wait is over: nothing more is played', async () => {
    const { call, endpoint, events } = waitingCall({ recorded: { 'reklam-a': '/a.wav' } });
    await listen(call, { announceEverySeconds: 0.02, brandMessages: ['reklam-a'], brandMessageEverySeconds: 0.02 }, () => slotsOf(events).length >= 1);
    const count = endpoint.played.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(endpoint.played.length).toBe(count);
  });
});
