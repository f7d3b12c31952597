/**
 * A caller who finds the line closed, and the person reading the log:
 * the log says plainly why (outside which hours, which holiday, which
 * exception), and the demo setting ivr.alwaysOpen (ALWAYS_OPEN=1) opens
 * every hours node so the menus can be tried at any hour.
 */
import path from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadPromptSet } from '../../media/speech.js';
import type { IvrContext } from '../../server/ivr/context.js';
import { loadFlows } from '../../server/ivr/flow-set.js';
import { hours, openingHours, type HoursDef } from '../../server/ivr/nodes/hours.js';
import { describeWeeklyHours, explainOpenState, openState, type OpeningHours } from '../../server/ivr/opening-hours.js';

const demo = loadFlows(path.resolve('ivr-flows'), { prompts: loadPromptSet() });
/** The hours node of a demo flow. */
const demoHours = (flow: string): HoursDef => [...demo.flows.get(flow)!.nodes.values()].find((n) => n.type === 'hours') as unknown as HoursDef;
const parsed = (def: HoursDef): OpeningHours => openingHours(def) as OpeningHours;

/** Runs an hours node at `iso`; resolves with the branch taken and the log lines written. */
async function callAt(def: HoursDef, iso: string, alwaysOpen = false): Promise<{ next: string | undefined; lines: Array<Record<string, unknown>> }> {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  // The hours node looks at the clock, the logger and the demo setting; nothing else of a call.
  const ctx = { now: () => Date.parse(iso), logger, alwaysOpen } as unknown as IvrContext;
  const next = await hours.create(def).exec(ctx);
  return { next, lines };
}

describe('the log says why a call found the line closed', () => {
  it('Växel on a Saturday evening: outside opening hours, which hours, and the local time', async () => {
    const def = demoHours('vaxel');
    const { next, lines } = await callAt(def, '2026-11-28T20:14:00Z');
    expect(next).toBe(def.branches!['closed']);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, open: false, reason: 'hours' });
    expect(lines[0]!['msg']).toBe(`closed: outside opening hours (${describeWeeklyHours(parsed(def))}; now Sat 2026-11-28 21:14)`);
  });

  it('the weekly hours in a few words, neighbouring days with the same hours joined', () => {
    expect(describeWeeklyHours(parsed(demoHours('kundtjanst')))).toBe('Mon–Thu 08:00–20:00, Fri 08:00–18:00, Sat 10:00–14:00 Europe/Stockholm');
  });

  it('Christmas Day is a public holiday, named', () => {
    const h = parsed(demoHours('kundtjanst'));
    expect(explainOpenState(h, openState(h, Date.parse('2026-12-25T10:00:00Z')))).toBe('closed: public holiday, Juldagen (now Fri 2026-12-25 11:00)');
  });

  it('a date with an exception says so', () => {
    const h = parsed(demoHours('kundtjanst'));
    expect(explainOpenState(h, openState(h, Date.parse('2026-12-28T10:00:00Z')))).toBe('closed: the exception for 2026-12-28 says closed (now Mon 2026-12-28 11:00)');
  });

  it('open during the hours, with the hours in the line too', async () => {
    const def = demoHours('vaxel');
    const { next, lines } = await callAt(def, '2026-11-23T10:00:00Z');
    expect(next).toBe(def.branches!['open'] ?? def.next);
    expect(lines[0]).toMatchObject({ open: true });
    expect(String(lines[0]!['msg'])).toMatch(/^open \(Mon/);
  });
});

describe('ALWAYS_OPEN: the demo open at any hour', () => {
  it('a Saturday night call takes the open branch and the log says why', async () => {
    const def = demoHours('vaxel');
    const { next, lines } = await callAt(def, '2026-11-28T23:30:00Z', true);
    expect(next).toBe(def.branches!['open'] ?? def.next);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ open: true, reason: 'always-open' });
    expect(String(lines[0]!['msg'])).toContain('ALWAYS_OPEN');
  });
});
