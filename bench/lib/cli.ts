/** Command-line pieces every bench script shares: number options, the run header, the JSON dump, the exit on a crash. */
import { writeFileSync } from 'node:fs';
import { describeMachine, machineInfo, type MachineInfo } from './proc.js';

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

/** --build always builds, --no-build never does; without either, dist is rebuilt only when it is stale. */
export function buildMode(values: { build?: boolean; 'no-build'?: boolean }): 'always' | 'never' | 'auto' {
  return values.build ? 'always' : values['no-build'] ? 'never' : 'auto';
}

/**
 * Prints the lines a run starts with (bench/RESULTS.md quotes them, so a
 * figure can be traced to its machine and command) and returns the start
 * time and machine for --json.
 */
export function printRunHeader(script: string): { startedAt: Date; machine: MachineInfo } {
  const machine = machineInfo();
  const startedAt = new Date();
  console.log(`# ${script} ${startedAt.toISOString()}`);
  console.log(`# machine: ${describeMachine(machine)}`);
  console.log(`# command: npx tsx bench/${script}.ts ${process.argv.slice(2).join(' ')}`.trimEnd());
  return { startedAt, machine };
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
