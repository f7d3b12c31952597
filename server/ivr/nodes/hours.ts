/**
 * hours: open or closed now, by weekly hours in a time zone, Swedish public
 * holidays and exceptions by date (the rule: ../opening-hours.ts).
 *
 *   - id: oppettider
 *     type: hours
 *     timezone: Europe/Stockholm
 *     weekly:
 *       mon: "08:00-17:00"
 *       fri: ["08:00-12:00", "13:00-16:00"]   # a day not listed is closed
 *     holidays: sweden            # sweden (default): holidays are closed; none
 *     exceptions:
 *       "2025-12-23": "08:00-12:00"
 *       "2025-05-02": closed
 *     branches: { open: lavin, closed: stangt }
 *
 * The service's own exceptions (config `hoursExceptions`, changed by
 * operators through the API) come before the node's; a call reads them as
 * they were when it started (IvrContext.serviceExceptions).
 *
 * Every call logs one info line saying why: "closed: outside opening hours
 * (Mon–Fri 08:00–17:00 Europe/Stockholm; now Sat 2026-03-28 21:14)". With
 * the demo setting `ivr.alwaysOpen` (ALWAYS_OPEN=1) every hours node takes
 * its open branch, to try the menus at any hour.
 */
import type { IvrContext } from '../context.js';
import type { NodeDefBase } from '../flow.js';
import { dateProblem, explainOpenState, isTimeZone, openState, parseRanges, WEEKDAYS, type OpeningHours, type RangeSpec, type TimeRange } from '../opening-hours.js';
import { NodeTask, nodeType } from './node.js';

export interface HoursDef extends NodeDefBase {
  readonly type: 'hours';
  readonly timezone: string;
  readonly weekly: Readonly<Record<string, RangeSpec>>;
  readonly holidays?: 'sweden' | 'none';
  readonly exceptions?: Readonly<Record<string, RangeSpec>>;
}

/** The node's hours, or what is wrong with them. */
export function openingHours(def: HoursDef): OpeningHours | string {
  if (!isTimeZone(def.timezone)) return `timezone "${def.timezone}" is not a known time zone (such as Europe/Stockholm)`;
  const weekly: OpeningHours['weekly'] = {};
  for (const [day, spec] of Object.entries(def.weekly)) {
    const ranges = parseRanges(spec);
    if (typeof ranges === 'string') return `weekly.${day}: ${ranges}`;
    weekly[day as keyof OpeningHours['weekly']] = ranges;
  }
  const exceptions = new Map<string, TimeRange[]>();
  for (const [date, spec] of Object.entries(def.exceptions ?? {})) {
    const bad = dateProblem(date);
    if (bad) return `exceptions: ${bad}`;
    const ranges = parseRanges(spec);
    if (typeof ranges === 'string') return `exceptions.${date}: ${ranges}`;
    exceptions.set(date, ranges);
  }
  return { timezone: def.timezone, weekly, swedishHolidays: (def.holidays ?? 'sweden') === 'sweden', exceptions };
}

const parsed = new WeakMap<HoursDef, OpeningHours>();

class HoursNode extends NodeTask<HoursDef> {
  protected async run(ctx: IvrContext): Promise<string | undefined> {
    let hours = parsed.get(this.def);
    if (!hours) {
      const h = openingHours(this.def);
      if (typeof h === 'string') throw new Error(`node "${this.def.id}": ${h}`);
      parsed.set(this.def, (hours = h));
    }
    if (ctx.alwaysOpen) {
      ctx.logger.info({ node: this.def.id, open: true, reason: 'always-open' }, 'open: ivr.alwaysOpen (ALWAYS_OPEN) is set, opening hours are not looked at');
      return this.follow('open');
    }
    const state = openState(hours, ctx.now(), ctx.serviceExceptions);
    ctx.logger.info({ node: this.def.id, open: state.open, reason: state.reason, holiday: state.holiday }, explainOpenState(hours, state));
    return this.follow(state.open ? 'open' : 'closed');
  }
}

const ranges = {
  type: ['string', 'array'],
  items: { type: 'string' },
  errorHint: 'must be a range such as "08:00-17:00", a list of ranges, or "closed"',
};

export const hours = nodeType<HoursDef>({
  type: 'hours',
  settings: {
    timezone: { type: 'string', minLength: 1, errorHint: 'must be a time zone such as Europe/Stockholm' },
    weekly: {
      type: 'object',
      propertyNames: { enum: [...WEEKDAYS] },
      additionalProperties: ranges,
      errorHint: `must map weekdays (${WEEKDAYS.join(', ')}) to ranges such as "08:00-17:00"`,
    },
    holidays: { type: 'string', enum: ['sweden', 'none'], errorHint: 'must be sweden or none' },
    exceptions: { type: 'object', additionalProperties: ranges, errorHint: 'must map dates such as "2025-12-23" to ranges or "closed"' },
  },
  required: ['timezone', 'weekly'],
  branches: ['open', 'closed'],
  next: true,
  check(def) {
    const h = openingHours(def);
    if (typeof h === 'string') return h;
    if (!def.branches?.['closed'] && !def.branches?.['open']) return 'an hours node needs an "open" or "closed" branch';
    if (!def.next && !(def.branches?.['closed'] && def.branches?.['open'])) {
      return 'an hours node needs both "open" and "closed" branches (or one of them and "next")';
    }
    return undefined;
  },
  create: (def) => new HoursNode(def),
});
