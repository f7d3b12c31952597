/**
 * What a webhook receiver gets: one JSON object per event, version 1 of the
 * schema below (README "Webhooks"). Fields are added to a version, never
 * removed or changed in meaning; a change that would break a receiver comes
 * as a new `version`.
 *
 * `id` is the event's own: a redelivery (after a timeout, a restart) carries
 * the same id, so a receiver that saw it already can ignore it.
 */
import Type, { type Static } from 'typebox';
import { WEBHOOK_EVENTS } from '../../../config/schema.js';

export { OPT_IN_WEBHOOK_EVENTS, WEBHOOK_EVENTS, type WebhookEventType } from '../../../config/schema.js';

export const WEBHOOK_SCHEMA_VERSION = 1;

/** call.ended: who hung up (local: the product ended the call). */
export const ENDED_BY = ['caller', 'agent', 'local'] as const;
/** callback.done: the callback was made, given up after its attempts, or cancelled. */
export const CALLBACK_OUTCOMES = ['completed', 'failed', 'cancelled'] as const;

const digits = Type.String({ description: 'a phone number as the switch saw it: E.164 from the trunk, an extension from a phone' });

export const WebhookEventSchema = Type.Object({
  version: Type.Literal(WEBHOOK_SCHEMA_VERSION),
  id: Type.String({ format: 'uuid', description: 'the same on every delivery of this event' }),
  type: Type.Enum([...WEBHOOK_EVENTS]),
  time: Type.String({ format: 'date-time', description: 'when it happened' }),
  callId: Type.Optional(Type.String({ description: "the caller's SIP Call-ID: every event of a call carries it (staffing.shortfall, about no call, has none)" })),
  caller: Type.Optional({ ...digits, description: "the caller's number" }),
  dialled: Type.Optional({ ...digits, description: 'the service number the caller dialled' }),
  service: Type.Optional(Type.String({ description: 'the service of that number, e.g. "Kundtjänst"' })),
  queue: Type.Optional(Type.String({ description: 'the queue id' })),
  agent: Type.Optional(Type.String({ description: "the agent's extension: offered, answered, ended after an answer" })),
  waitSeconds: Type.Optional(Type.Number({ minimum: 0, description: 'time in the queue: answered, abandoned' })),
  endedBy: Type.Optional(Type.Enum([...ENDED_BY], { description: 'call.ended: who hung up (local: the product ended it)' })),
  callbackNumber: Type.Optional({ ...digits, description: 'callback.requested, callback.done: the number called back' }),
  outcome: Type.Optional(Type.Enum([...CALLBACK_OUTCOMES], { description: 'callback.done' })),
  messageIds: Type.Optional(Type.Array(Type.String(), { description: 'avalanche.heard: the avalanche messages played' })),
  shortfall: Type.Optional(Type.Object({
    state: Type.Enum(['started', 'ended'], { description: 'started: the queue has been short for the configured minutes; ended: enough again' }),
    since: Type.String({ format: 'date-time', description: 'when the queue became short' }),
    reasons: Type.Array(Type.Enum(['below-need', 'below-plan'])),
    ready: Type.Optional(Type.Number({ description: 'agents on the phones who may take the queue' })),
    needed: Type.Optional(Type.Number({ description: "agents the queue's goal needs now" })),
    planned: Type.Optional(Type.Number({ description: 'agents planned now' })),
  }, { additionalProperties: false, description: 'staffing.shortfall (with `queue`)' })),
}, { additionalProperties: false, $id: 'WebhookEvent' });

export type WebhookEvent = Static<typeof WebhookEventSchema>;
