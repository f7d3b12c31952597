/**
 * Vitest global setup: at the end of a run, says where the page tests put
 * their screenshots, when this run made any.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where page tests save screenshots (git-ignored). */
export const ARTIFACTS_DIR = fileURLToPath(new URL('../../artifacts/screenshots/', import.meta.url));

export default function setup(): () => void {
  const started = Date.now();
  return () => {
    let made = 0;
    try {
      made = readdirSync(ARTIFACTS_DIR).filter((f) => statSync(join(ARTIFACTS_DIR, f)).mtimeMs >= started).length;
    } catch {
      return;
    }
    if (made > 0) process.stdout.write(`\nScreenshots of the pages (${made}): ${ARTIFACTS_DIR}\n`);
  };
}
