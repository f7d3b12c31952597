/** Command-line pieces every bench script shares: number options, the JSON dump, the exit on a crash. */
import { writeFileSync } from 'node:fs';

/** A positive number from an option's text, or a clear error naming the option. */
export function positive(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${value}`);
  return n;
}

/** A comma-separated list of positive numbers, e.g. --rates 50,100,200. */
export function positiveList(name: string, value: string | undefined): number[] {
  return (value ?? '').split(',').map((s) => positive(name, s.trim()));
}

/** Writes every run with the machine and the command, for --json FILE. */
export function writeJsonResults(file: string, startedAt: Date, machine: unknown, results: unknown): void {
  writeFileSync(file, JSON.stringify({ startedAt: startedAt.toISOString(), machine, argv: process.argv.slice(2), results }, null, 2));
  console.log(`# wrote ${file}`);
}

/** Runs a script's main; a crash of the bench itself exits 2, apart from "the product failed" (1). */
export function runMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.stack ?? err.message : String(err));
    process.exit(2);
  });
}
