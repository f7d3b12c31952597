/**
 * The configuration's checks name the kind of each problem a client words
 * itself (config/refusals.ts) with the parameters its wording needs, and
 * keep their English wording for the command line and the logs.
 */
import { describe, expect, it } from 'vitest';
import { REFUSAL_CODES, type RefusalCode } from '../../config/refusals.js';
import type { Config } from '../../config/schema.js';
import { validateConfig } from '../../config/validate.js';
import { loadConfig } from '../../server/config/load.js';

const demo: Config = loadConfig({ env: {} });

/** The first problem with the demo company changed by `change`. */
function issueAfter(change: (config: Config) => void) {
  const config = structuredClone(demo);
  change(config);
  const issue = validateConfig(config);
  if (!issue) throw new Error('expected the change to be refused');
  return issue;
}

const queue = (config: Config, id: string) => config.queues.find((q) => q.id === id)!;
const agent = (config: Config, extension: string) => config.extensions.find((e) => e.extension === extension)!;

describe('the kinds of problem the configuration names', () => {
  const cases: Array<[string, (config: Config) => void, object, RegExp]> = [
    ['a queue without a name', (c) => { delete (queue(c, 'kort') as Partial<Config['queues'][number]>).name; },
      { path: ['queues', 2, 'name'], refusal: { code: 'required', params: {} } }, /is required/],
    ['a setting nobody knows', (c) => { (queue(c, 'kort') as unknown as Record<string, unknown>).ringTimeoutSecnds = 5; },
      { path: ['queues', 2, 'ringTimeoutSecnds'], refusal: { code: 'unknown-field' } }, /did you mean "ringTimeoutSeconds"/],
    ['an empty queue name', (c) => { queue(c, 'kort').name = ''; },
      { path: ['queues', 2, 'name'], refusal: { code: 'not-empty', params: {} } }, /must be a non-empty string/],
    ['a ring time of 0 seconds', (c) => { queue(c, 'kort').ringTimeoutSeconds = 0; },
      { path: ['queues', 2, 'ringTimeoutSeconds'], refusal: { code: 'integer-at-least', params: { min: 1 } } }, /must be a whole number of seconds >= 1, got number 0/],
    ['half a second of wrap-up', (c) => { queue(c, 'kort').wrapUpSeconds = 2.5; },
      { path: ['queues', 2, 'wrapUpSeconds'], refusal: { code: 'integer-at-least', params: { min: 0 } } }, /whole number/],
    ['a target over an hour', (c) => { queue(c, 'kort').targetSeconds = 4000; },
      { path: ['queues', 2, 'targetSeconds'], refusal: { code: 'integer-between', params: { min: 1, max: 3600 } } }, /1 to 3600/],
    ['a skill at level 7', (c) => { agent(c, '1002').agent!.skills.kort = 7 as 5; },
      { path: ['extensions', 1, 'agent', 'skills', 'kort'], refusal: { code: 'integer-between', params: { min: 1, max: 5 } } }, /skill level 1\.\.5/],
    ['a priority rule nobody knows', (c) => { (queue(c, 'kort') as { priority: string }).priority = 'fastest'; },
      { path: ['queues', 2, 'priority'], refusal: { code: 'one-of', params: { values: 'classes, head-start' } } }, /must be one of/],
    ['an exception note of 501 characters', (c) => { c.hoursExceptions = { Kundtjänst: [{ date: '2026-12-23', hours: 'closed', note: 'x'.repeat(501) }] }; },
      { path: ['hoursExceptions', 'Kundtjänst', 0, 'note'], refusal: { code: 'too-long', params: { max: 500 } } }, /at most 500/],
    ['a skill name with capitals and a space', (c) => { queue(c, 'kort').steps[0]!.skill = 'Kort spärr'; },
      { path: ['queues', 2, 'steps', 0, 'skill'], refusal: { code: 'bad-name' } }, /lower-case name/],
    ['a mobile number without its country code', (c) => { agent(c, '1002').mobile = '0701234567'; },
      { path: ['extensions', 1, 'mobile'], refusal: { code: 'bad-phone-number' } }, /E\.164/],
    ['a one-digit extension', (c) => { agent(c, '1002').extension = '7'; },
      { path: ['extensions', 1, 'extension'], refusal: { code: 'bad-extension' } }, /2 to 6 digits/],
    ['an avalanche start without its offset', (c) => { c.avalanche = [{ id: '1', services: ['Kundtjänst'], slot: 'storm', start: '2026-03-01 07:00' }]; },
      { path: ['avalanche', 0, 'start'], refusal: { code: 'bad-time' } }, /ISO 8601/],
    ['an avalanche that ends before it starts', (c) => {
      c.avalanche = [{ id: '1', services: ['Kundtjänst'], slot: 'storm', start: '2026-03-01T09:00:00Z', end: '2026-03-01T08:00:00Z' }];
    }, { path: ['avalanche', 0, 'end'], refusal: { code: 'ends-before-start' } }, /must be after start/],
    ['exceptions written with a bad date and hours', (c) => { c.hoursExceptions = { Kundtjänst: [{ date: '2026-12-32', hours: 'closed' }] }; },
      { path: ['hoursExceptions', 'Kundtjänst', 0, 'date'], refusal: { code: 'bad-date' } }, /not a date/],
    ['hours in no known form', (c) => { c.hoursExceptions = { Kundtjänst: [{ date: '2026-12-23', hours: 'shut' }] }; },
      { path: ['hoursExceptions', 'Kundtjänst', 0, 'hours'], refusal: { code: 'bad-hours' } }, /is not "closed"/],
    ['hours past midnight', (c) => { c.hoursExceptions = { Kundtjänst: [{ date: '2026-12-23', hours: 'closed from 24:30' }] }; },
      { path: ['hoursExceptions', 'Kundtjänst', 0, 'hours'], refusal: { code: 'time-after-midnight' } }, /later than 24:00/],
    ['two exceptions on one day', (c) => { c.hoursExceptions = { Kundtjänst: [{ date: '2026-12-23', hours: 'closed' }, { date: '2026-12-23', until: '2026-12-24', hours: 'closed' }] }; },
      { path: ['hoursExceptions', 'Kundtjänst', 1, 'date'], refusal: { code: 'overlaps', params: { date: '2026-12-23' } } }, /overlaps the exception from 2026-12-23/],
    ['two queues with one id', (c) => { queue(c, 'kort').id = 'vaxel'; },
      { path: ['queues', 2, 'id'], refusal: { code: 'duplicate-id', params: { id: 'vaxel' } } }, /duplicate queue id "vaxel"/],
    ['an agent in a queue that does not exist', (c) => { agent(c, '1002').agent!.queues.push('sales'); },
      { path: ['extensions', 1, 'agent', 'queues', 2], refusal: { code: 'unknown-reference', params: { kind: 'queue', id: 'sales' } } }, /unknown queue "sales"/],
    ['an avalanche message for a service that does not exist', (c) => { c.avalanche = [{ id: '1', services: ['Okänd'], slot: 'storm' }]; },
      { path: ['avalanche', 0, 'services', 0], refusal: { code: 'unknown-reference', params: { kind: 'service', id: 'Okänd' } } }, /unknown service/],
    ['a routing step for a skill and a group at once', (c) => { queue(c, 'kort').steps[0]!.group = 'frontoffice'; },
      { path: ['queues', 2, 'steps', 0], refusal: { code: 'step-one-kind' } }, /exactly one of/],
    ['a lowest level for a group', (c) => { queue(c, 'kort').steps[0] = { afterSeconds: 0, group: 'frontoffice', minLevel: 3 }; },
      { path: ['queues', 2, 'steps', 0, 'minLevel'], refusal: { code: 'step-level-without-skill' } }, /goes with a skill/],
    ['a step no later than the one before', (c) => { queue(c, 'kort').steps = [{ afterSeconds: 0, skill: 'kort' }, { afterSeconds: 30, group: 'frontoffice' }, { afterSeconds: 30, everyone: true }]; },
      { path: ['queues', 2, 'steps', 2, 'afterSeconds'], refusal: { code: 'steps-widen', params: { before: 30 } } }, /greater than the step before \(30\)/],
    ['a first step after 10 seconds', (c) => { queue(c, 'kort').steps = [{ afterSeconds: 10, everyone: true }]; },
      { path: ['queues', 2, 'steps', 0, 'afterSeconds'], refusal: { code: 'first-step-at-zero' } }, /first step must start at 0/],
    ['an agent answering on a mobile they do not have', (c) => { const e = agent(c, '1002'); delete e.mobile; e.agent!.answerOn = 'mobile'; },
      { path: ['extensions', 1, 'agent', 'answerOn'], refusal: { code: 'no-mobile' } }, /no mobile number/],
  ];

  for (const [what, change, expected, english] of cases) {
    it(what, () => {
      const issue = issueAfter(change);
      expect(issue).toMatchObject(expected);
      expect(issue.problem).toMatch(english);
    });
  }

  it('every code is given by some check above', () => {
    const given = new Set<RefusalCode | undefined>(cases.map(([, change]) => issueAfter(change).refusal?.code));
    expect([...given].sort()).toEqual([...REFUSAL_CODES].sort());
  });

  it('a problem of a kind without a code has its English wording only', () => {
    const issue = issueAfter((c) => { c.featureCodes.pause = c.featureCodes.login; });
    expect(issue.problem).toMatch(/clashes with featureCodes/);
    expect(issue).not.toHaveProperty('refusal');
  });
});
