import { defineConfig } from 'vitest/config';

// The real engines (test/freeswitch/): the media port contract on FreeSWITCH,
// and a queued call to an agent through drachtio-server and FreeSWITCH:
//
//   FREESWITCH_HOST=... DRACHTIO_HOST=... npx vitest run -c vitest.freeswitch.config.ts
//
// test/freeswitch/media-freeswitch.test.ts lists every variable it reads.
// The files are collected only when FREESWITCH_HOST is set; the default
// config (vitest.config.ts) never collects them. Without FREESWITCH_HOST
// this config has nothing to run and says so, rather than passing quietly.
const configured = Boolean(process.env.FREESWITCH_HOST);
if (!configured) {
  console.error('vitest.freeswitch.config.ts: FREESWITCH_HOST is not set, so no FreeSWITCH test is collected '
    + '(set FREESWITCH_HOST and DRACHTIO_HOST; see test/freeswitch/media-freeswitch.test.ts).');
}

export default defineConfig({
  test: {
    include: configured ? ['test/freeswitch/**/*.test.ts'] : [],
    passWithNoTests: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 1,
  },
});
