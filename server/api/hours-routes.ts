/**
 * Opening hours per service: /services/:service/hours (the weekly hours
 * and holidays of the hours nodes of the service's flow, the service's
 * exceptions, and whether it is open now and why),
 * /services/:service/hours/exceptions (list; put or delete the one
 * starting on a date), /services/:service/hours/closed-now (closed from
 * this minute to the end of the day: for when something breaks) and
 * /holidays/:year (Swedish public holidays). Admins, supervisors and
 * operators may do all of it.
 *
 * The exceptions are the running configuration's `hoursExceptions`
 * (config/hours-exceptions.ts), checked whole and audited like any change;
 * every hours node of the service's flow looks at them before its own
 * exceptions (server/ivr/opening-hours.ts), from the next call on. Dates
 * and times are in the company's time zone (company.timezone).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { EXCEPTION_HOURS_FORMS, exceptionOn, lastDay } from '../../config/hours-exceptions.js';
import type { HoursExceptionConfig } from '../../config/schema.js';
import { swedishHolidays } from '../ivr/holidays.js';
import { openingHours, type HoursDef } from '../ivr/nodes/hours.js';
import { explainOpenState, localTime, openState, type RangeSpec } from '../ivr/opening-hours.js';
import type { RunningConfig, RunningSnapshot } from '../running/index.js';
import { notFound } from './problem.js';
import { OPERATIONS } from './roles.js';
import { changeRunning, tagCurrent } from './running-change.js';

export interface HoursRoutesDeps {
  running: RunningConfig;
  /** Milliseconds since the epoch, on the clock calls use. */
  now: () => number;
}

const DATE_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';
const DateSchema = Type.String({ pattern: DATE_PATTERN, description: 'a date such as 2026-12-23' });
const ServiceParams = Type.Object({ service: Type.String({ minLength: 1, maxLength: 200, description: 'a service (numbers[].service), e.g. Kundtjänst' }) });
const ExceptionParams = Type.Object({ service: ServiceParams.properties.service, date: DateSchema });
const HoursText = Type.String({ minLength: 1, maxLength: 40, description: `${EXCEPTION_HOURS_FORMS}, in the company's time zone` });
const Note = Type.String({ maxLength: 500 });

const ExceptionSchema = Type.Object({
  date: DateSchema,
  until: Type.Optional(Type.String({ pattern: DATE_PATTERN, description: 'the last day of a range of days' })),
  hours: HoursText,
  note: Type.Optional(Note),
}, { title: 'HoursException' });

const OpenNowSchema = Type.Object({
  open: Type.Boolean(),
  reason: Type.String({ description: 'hours, holiday, exception (the flow\'s), service-exception, or always-open (ivr.alwaysOpen)' }),
  explanation: Type.String(),
});

const ServiceHoursSchema = Type.Object({
  service: Type.String(),
  flow: Type.Optional(Type.String({ description: 'the flow the service\'s calls run' })),
  timezone: Type.String({ description: 'the company\'s time zone, in which the exceptions are written' }),
  today: Type.String({ description: 'the date now in the company\'s time zone, on the clock calls use: where a calendar of the coming days starts' }),
  exceptions: Type.Array(ExceptionSchema),
  openNow: Type.Union([OpenNowSchema, Type.Null()], { description: 'as the first hours node of the flow answers now; null when the flow has none' }),
  hoursNodes: Type.Array(Type.Object({
    node: Type.String(),
    timezone: Type.String(),
    weekly: Type.Record(Type.String(), Type.Array(Type.String())),
    holidays: Type.String({ description: 'sweden: Swedish public holidays are closed; none' }),
    exceptions: Type.Record(Type.String(), Type.Array(Type.String()), { description: 'the flow\'s own exceptions, by date' }),
    openNow: OpenNowSchema,
  })),
}, { title: 'ServiceHours' });

const ranges = (spec: RangeSpec): string[] => (typeof spec === 'string' ? [spec] : [...spec]);
const mapRanges = (specs: Readonly<Record<string, RangeSpec>> | undefined): Record<string, string[]> =>
  Object.fromEntries(Object.entries(specs ?? {}).map(([k, v]) => [k, ranges(v)]));

function knownService(snapshot: RunningSnapshot, service: string): void {
  if (!snapshot.operational.numbers.some((n) => n.service === service)) throw notFound('service', service);
}

function exceptionsOf(snapshot: RunningSnapshot, service: string): readonly HoursExceptionConfig[] {
  return snapshot.operational.hoursExceptions[service] ?? [];
}

function serviceHours(snapshot: RunningSnapshot, service: string, at: number) {
  const number = snapshot.operational.numbers.find((n) => n.service === service && n.target === undefined);
  const flow = number && snapshot.flows.forCall({ dialled: number.number, service });
  // Two static settings, neither a secret: the company's time zone and the demo's always-open switch.
  const { timezone } = snapshot.config.company;
  const exceptions = exceptionsOf(snapshot, service);
  const alwaysOpen = snapshot.config.ivr.alwaysOpen;
  const hoursNodes = [...(flow?.nodes.values() ?? [])].filter((n) => n.type === 'hours').flatMap((node) => {
    const def = node as unknown as HoursDef;
    const hours = openingHours(def);
    // The flow passed the checks of a change, so its hours read: this keeps the types honest.
    if (typeof hours === 'string') return [];
    const state = openState(hours, at, { timezone, exceptions });
    const openNow = alwaysOpen
      ? { open: true, reason: 'always-open', explanation: 'open: ivr.alwaysOpen (ALWAYS_OPEN) is set, opening hours are not looked at' }
      : { open: state.open, reason: state.reason, explanation: explainOpenState(hours, state) };
    return [{
      node: def.id, timezone: def.timezone, weekly: mapRanges(def.weekly), holidays: def.holidays ?? 'sweden',
      exceptions: mapRanges(def.exceptions), openNow,
    }];
  });
  return {
    service, ...(flow ? { flow: flow.file.replace(/^flows\./, '') } : {}), timezone, today: localTime(at, timezone).date, exceptions: [...exceptions],
    openNow: hoursNodes[0]?.openNow ?? null, hoursNodes,
  };
}

const clock = (minutes: number): string => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

export function hoursRoutes({ running, now }: HoursRoutesDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    const config = { roles: OPERATIONS };

    /** Puts `exception` in place of the service's exception starting on `replacing` (if any), checked whole. */
    const putException = (request: FastifyRequest, reply: FastifyReply,
      service: string, replacing: string, exception: HoursExceptionConfig, summary: string) =>
      changeRunning(running, request, reply, summary, (draft) => {
        const list = (draft.hoursExceptions[service] ?? []).filter((e) => e.date !== replacing);
        draft.hoursExceptions[service] = [...list, exception].sort((a, b) => (a.date < b.date ? -1 : 1));
      });

    app.get('/services/:service/hours', {
      config,
      schema: { summary: "A service's opening hours, its exceptions, and whether it is open now and why", params: ServiceParams, response: { 200: ServiceHoursSchema } },
    }, async (request, reply) => {
      const snapshot = running.current;
      knownService(snapshot, request.params.service);
      tagCurrent(running, reply);
      return serviceHours(snapshot, request.params.service, now());
    });

    app.get('/services/:service/hours/exceptions', {
      config,
      schema: { summary: "A service's exceptions to its opening hours", params: ServiceParams, response: { 200: Type.Array(ExceptionSchema) } },
    }, async (request, reply) => {
      const snapshot = running.current;
      knownService(snapshot, request.params.service);
      tagCurrent(running, reply);
      return [...exceptionsOf(snapshot, request.params.service)];
    });

    app.put('/services/:service/hours/exceptions/:date', {
      config,
      schema: {
        summary: 'Add or change the exception starting on a date (e.g. hours "open until 13:00"); the next call follows it',
        params: ExceptionParams,
        body: Type.Object({ until: ExceptionSchema.properties.until, hours: HoursText, note: Type.Optional(Note) }, { additionalProperties: false }),
        response: { 200: ExceptionSchema, 201: ExceptionSchema },
      },
    }, async (request, reply) => {
      const { service, date } = request.params;
      const before = running.current;
      knownService(before, service);
      const existed = exceptionsOf(before, service).some((e) => e.date === date);
      const exception: HoursExceptionConfig = { date, ...request.body };
      await putException(request, reply, service, date, exception, `${existed ? 'changed' : 'added'} the ${service} opening-hours exception of ${date}: ${exception.hours}`);
      return reply.code(existed ? 200 : 201).send(exception);
    });

    app.delete('/services/:service/hours/exceptions/:date', {
      config,
      schema: { summary: 'Delete the exception starting on a date', params: ExceptionParams, response: { 204: Type.Null() } },
    }, async (request, reply) => {
      const { service, date } = request.params;
      const before = running.current;
      knownService(before, service);
      if (!exceptionsOf(before, service).some((e) => e.date === date)) throw notFound(`${service} opening-hours exception starting on`, date);
      await changeRunning(running, request, reply, `deleted the ${service} opening-hours exception of ${date}`, (draft) => {
        const rest = (draft.hoursExceptions[service] ?? []).filter((e) => e.date !== date);
        if (rest.length) draft.hoursExceptions[service] = rest;
        else delete draft.hoursExceptions[service];
      });
      return reply.code(204).send(null);
    });

    app.post('/services/:service/hours/closed-now', {
      config,
      schema: {
        summary: 'Close a service from this minute to the end of the day ("closed from HH:MM" today, in place of today\'s exception)',
        params: ServiceParams,
        body: Type.Object({ note: Type.Optional(Note) }, { additionalProperties: false }),
        response: { 201: ExceptionSchema },
      },
    }, async (request, reply) => {
      const { service } = request.params;
      const before = running.current;
      knownService(before, service);
      const today = localTime(now(), before.config.company.timezone);
      const current = exceptionOn(exceptionsOf(before, service), today.date);
      // Today's one-day exception gives way; one over several days stays, and the check names it.
      const replacing = current && lastDay(current) === current.date ? current.date : today.date;
      const exception: HoursExceptionConfig = {
        date: today.date, hours: `closed from ${clock(today.minutes)}`, ...(request.body.note !== undefined ? { note: request.body.note } : {}),
      };
      await putException(request, reply, service, replacing, exception, `closed ${service} now (${today.date} ${clock(today.minutes)})`);
      return reply.code(201).send(exception);
    });

    app.get('/holidays/:year', {
      config,
      schema: {
        summary: 'Swedish public holidays (and the eves treated as closed) of a year',
        params: Type.Object({ year: Type.Integer({ minimum: 1583, maximum: 9999 }) }),
        response: { 200: Type.Array(Type.Object({ date: Type.String(), name: Type.String() }, { title: 'Holiday' })) },
      },
    }, async (request) => swedishHolidays(request.params.year));
  };
}
