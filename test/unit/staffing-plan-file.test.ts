/**
 * The staffing plan file (server/stats/staffing-plan-file.ts): changes made
 * at once all land, one after another; a reopened file has them; a file
 * that is not a plan stops the opening with its name, and is left as it was.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PLAN_FILE, StaffingPlanError, StaffingPlanFile } from '../../server/stats/staffing-plan-file.js';
import { tempDir } from '../support/tmp.js';

describe('StaffingPlanFile', () => {
  it('applies changes made at once one after another, each replacing its dates and queues', async () => {
    const dir = tempDir('plan-');
    const plan = await StaffingPlanFile.open(dir);
    await Promise.all([
      plan.replace([{ date: '2027-01-07', start: '08:00', queue: 'kort', agents: 2 }, { date: '2027-01-07', start: '08:15', queue: 'kort', agents: 3 }]),
      plan.replace([{ date: '2027-01-07', start: '08:00', queue: 'kundtjanst', agents: 4 }]),
      plan.replace([{ date: '2027-01-07', start: '09:00', queue: 'kort', agents: 1 }]),
    ]);
    const expected = [
      { date: '2027-01-07', start: '09:00', queue: 'kort', agents: 1 },
      { date: '2027-01-07', start: '08:00', queue: 'kundtjanst', agents: 4 },
    ];
    expect(plan.rows('2027-01-01', '2027-01-31')).toEqual(expected);
    expect((await StaffingPlanFile.open(dir)).rows('2027-01-01', '2027-01-31')).toEqual(expected);
    expect(plan.rows('2027-01-08', '2027-01-31')).toEqual([]);
    expect(plan.rows('2027-01-07', '2027-01-07', 'kort')).toEqual([expected[0]]);
  });

  it('refuses to open a file that is not a plan, naming it, and leaves it as it was', async () => {
    const dir = tempDir('plan-');
    const file = join(dir, PLAN_FILE);
    for (const text of ['{"version":1,"plan":[', '{"version":2,"plan":[]}']) {
      writeFileSync(file, text);
      const err = await StaffingPlanFile.open(dir).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(StaffingPlanError);
      expect((err as Error).message).toContain(file);
      expect(readFileSync(file, 'utf8')).toBe(text);
    }
  });
});
