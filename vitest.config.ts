import { defineConfig } from 'vitest/config';

// Integration tests put real SIP and RTP on loopback with SIPp and baresip:
// they need more time than unit tests, and a test file owns its processes.
// Most of a wire test's time is prompts and calls playing in real time, with
// the CPU idle (about a third of two cores busy over a whole run), so three
// files run at once on two cores. Four are faster still but crowd the wire
// tests' real-time checks on a busy machine.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/freeswitch/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 3,
    // Prints where the page tests saved their screenshots.
    globalSetup: ['test/support/artifacts-report.ts'],
  },
});
