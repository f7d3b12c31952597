/**
 * The staffing plan, kept in DATA_DIR/staffing-plan.json: planned agents
 * per date, interval and queue (./schedule.ts), entered through the API or
 * imported as CSV.
 *
 * A file beside the product's other persisted state rather than a table in
 * the history database: the plan is a planner's small, hand-kept document
 * (a few thousand rows a month), replaced a day and queue at a time, and
 * read whole; it belongs with the site's own state, not with the contact
 * records that are written on every call. Each change writes a new file and
 * renames it over the old one, so a crash leaves the old plan or the new
 * one, never half of one.
 *
 * Changes replace the plan of each date and queue they name: a day's plan
 * sent again is that day's plan, intervals left out of it are no longer
 * planned.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { PlannedStaff } from './schedule.js';

export const PLAN_FILE = 'staffing-plan.json';

interface Saved {
  version: 1;
  plan: PlannedStaff[];
}

export class StaffingPlanError extends Error {
  override readonly name = 'StaffingPlanError';
}

export class StaffingPlanFile {
  private writes = 0;
  private writing: Promise<unknown> = Promise.resolve();

  private constructor(private readonly file: string, private plan: PlannedStaff[]) {}

  /** Reads the plan kept in `dataDir` (none yet: an empty plan); a file that cannot be read stops with its name. */
  static async open(dataDir: string): Promise<StaffingPlanFile> {
    const file = join(dataDir, PLAN_FILE);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new StaffingPlanFile(file, []);
      throw new StaffingPlanError(`${file}: cannot be read: ${(err as Error).message}`);
    }
    let saved: Saved;
    try {
      saved = JSON.parse(text) as Saved;
    } catch (err) {
      throw new StaffingPlanError(`${file}: not JSON: ${(err as Error).message}`);
    }
    if (saved?.version !== 1 || !Array.isArray(saved.plan)) throw new StaffingPlanError(`${file}: not a staffing plan of version 1`);
    return new StaffingPlanFile(file, saved.plan);
  }

  /** The planned intervals of the dates in [fromDate, toDate] (inclusive), of one queue when given, in order. */
  rows(fromDate: string, toDate: string, queue?: string): PlannedStaff[] {
    return this.plan.filter((p) => p.date >= fromDate && p.date <= toDate && (queue === undefined || p.queue === queue));
  }

  /** The rows replace the plan of every date and queue they name; written to disk before it resolves. Changes apply one after another. */
  replace(rows: readonly PlannedStaff[]): Promise<{ days: number; intervals: number }> {
    const copy = rows.map((r) => ({ ...r }));
    const job = this.writing.then(async () => {
      const replaced = new Set(copy.map((r) => `${r.date} ${r.queue}`));
      const next = [...this.plan.filter((p) => !replaced.has(`${p.date} ${p.queue}`)), ...copy]
        .sort((x, y) => x.date.localeCompare(y.date) || x.queue.localeCompare(y.queue) || x.start.localeCompare(y.start));
      await this.save(next);
      this.plan = next;
      return { days: replaced.size, intervals: copy.length };
    });
    this.writing = job.catch(() => undefined);
    return job;
  }

  private async save(plan: PlannedStaff[]): Promise<void> {
    const body = `${JSON.stringify({ version: 1, plan } satisfies Saved)}\n`;
    const tmp = `${this.file}.${process.pid}.${++this.writes}.tmp`;
    await mkdir(dirname(this.file), { recursive: true });
    await writeFile(tmp, body);
    await rename(tmp, this.file);
  }
}
