/**
 * The schemas of the live state (server/stats/live-state.ts), shared by the
 * REST resources (./live.ts) and the events socket (./live-events.ts): an
 * event carries the same object the resource returns.
 */
import { Type, type Static } from '@fastify/type-provider-typebox';
import type { ShortfallLive } from '../stats/shortfall-monitor.js';
import type { AgentLive, CallLive, LiveView, QueueLive } from '../stats/live-state.js';

const AgentState = Type.Union([
  Type.Literal('ready'), Type.Literal('reserved'), Type.Literal('busy'),
  Type.Literal('wrap-up'), Type.Literal('paused'), Type.Literal('logged-out'),
]);
const Count = Type.Integer({ minimum: 0 });
const Seconds = Type.Integer({ minimum: 0 });
const Time = Type.String({ format: 'date-time' });

export const QueueLiveSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  waiting: Type.Integer({ minimum: 0, description: 'callers in line not being offered to an agent' }),
  offered: Type.Integer({ minimum: 0, description: 'callers in line whose agent is being rung' }),
  longestWaitSeconds: Seconds,
  estimatedWaitSeconds: Type.Union([Seconds, Type.Null()], { description: 'for a new caller; null when nobody staffs the queue' }),
  agents: Type.Object({
    ready: Count, reserved: Count, busy: Count, 'wrap-up': Count, paused: Count, 'logged-out': Count,
  }, { description: "the queue's members by state" }),
});

export const AgentLiveSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  state: AgentState,
  since: Time,
  secondsInState: Seconds,
  pauseReason: Type.Optional(Type.String()),
  missedInRow: Type.Optional(Type.Integer({ minimum: 1, description: "offers the agent let ring out in a row (the queue's maxMissedOffers pauses them); absent when none" })),
  call: Type.Union([
    Type.Object({
      callId: Type.Optional(Type.String()),
      entryId: Type.Optional(Type.String()),
      queueId: Type.Optional(Type.String()),
      caller: Type.Optional(Type.String()),
      service: Type.Optional(Type.String()),
      callback: Type.Optional(Type.Literal(true, { description: 'a callback: the customer is dialled once the agent answers' })),
    }),
    Type.Null(),
  ], { description: 'the call the agent is rung for, on, or wrapping up after' }),
});

export const CallLiveSchema = Type.Object({
  callId: Type.String(),
  service: Type.String(),
  dialled: Type.String(),
  caller: Type.String(),
  since: Time,
  stage: Type.Union([Type.Literal('ivr'), Type.Literal('waiting'), Type.Literal('ringing'), Type.Literal('connected')]),
  queueId: Type.Union([Type.String(), Type.Null()]),
  waitSeconds: Type.Union([Seconds, Type.Null()], { description: 'time in the queue; null before any' }),
  agentId: Type.Union([Type.String(), Type.Null()], { description: 'the agent rung or connected' }),
  vip: Type.Boolean({ description: 'marked VIP by the flow when it entered the queue' }),
});

export const LiveViewSchema = Type.Object({
  at: Time,
  queues: Type.Array(QueueLiveSchema),
  agents: Type.Array(AgentLiveSchema),
  calls: Type.Array(CallLiveSchema),
});

const Seq = Type.Integer({ minimum: 1 });

export const ShortfallLiveSchema = Type.Object({
  queue: Type.String(),
  state: Type.Union([Type.Literal('started'), Type.Literal('ended')]),
  since: Type.String({ format: 'date-time', description: 'when the queue became short' }),
  reasons: Type.Array(Type.Union([Type.Literal('below-need'), Type.Literal('below-plan')])),
  ready: Type.Optional(Type.Number({ description: 'agents on the phones who may take the queue (ready, ringing, on a call, wrap-up)' })),
  needed: Type.Optional(Type.Number({ description: "agents the queue's goal needs in this interval" })),
  planned: Type.Optional(Type.Number({ description: 'agents planned for this interval' })),
}, { title: 'ShortfallLive' });

/** What the events socket sends, one JSON object per message (see the README). */
export const LiveMessageSchema = Type.Union([
  Type.Object({ type: Type.Literal('hello'), stream: Type.String(), seq: Type.Integer({ minimum: 0 }) },
    { description: 'first message: the stream and the number of its last event' }),
  Type.Object({ type: Type.Literal('resync'), stream: Type.String(), seq: Type.Integer({ minimum: 0 }) },
    { description: 'events asked for are no longer kept: fetch /api/v1/live again, then follow from here' }),
  Type.Object({ type: Type.Literal('queue'), seq: Seq, at: Time, queue: QueueLiveSchema }),
  Type.Object({ type: Type.Literal('queue-removed'), seq: Seq, at: Time, queueId: Type.String() },
    { description: 'the running configuration no longer has this queue' }),
  Type.Object({ type: Type.Literal('agent'), seq: Seq, at: Time, agent: AgentLiveSchema }),
  Type.Object({ type: Type.Literal('agent-removed'), seq: Seq, at: Time, agentId: Type.String() },
    { description: 'the running configuration no longer has this agent' }),
  Type.Object({ type: Type.Literal('call'), seq: Seq, at: Time, call: CallLiveSchema }),
  Type.Object({ type: Type.Literal('call-ended'), seq: Seq, at: Time, call: CallLiveSchema }),
  Type.Object({ type: Type.Literal('staffing-shortfall'), seq: Seq, at: Time, shortfall: ShortfallLiveSchema },
    { description: "a queue's agents on the phones stayed below need or plan (started), or are enough again (ended)" }),
]);

// The read model and the schemas describe the same objects: a change to one that the other lacks fails to compile.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
export type LiveSchemasMatchReadModel = Holds<Same<[
  Static<typeof QueueLiveSchema>, Static<typeof AgentLiveSchema>, Static<typeof CallLiveSchema>, Static<typeof LiveViewSchema>,
  Static<typeof ShortfallLiveSchema>,
], [QueueLive, AgentLive, CallLive, LiveView, ShortfallLive]>>;
