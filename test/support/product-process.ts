/**
 * The product as its own process for crash tests: like server/main.ts, but
 * the whole configuration comes as JSON in argv[2] and the IVR flows from
 * argv[3]. Prints "ready" on stdout once started. Meant to be killed with
 * SIGKILL (no graceful stop: what is on disk is what survives).
 *
 *   node --import tsx test/support/product-process.ts config.json flowDir
 */
import { readFileSync } from 'node:fs';
import { startApp } from '../../server/app.js';
import { createLogger } from '../../server/log.js';
import type { Config } from '../../config/schema.js';

const config = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Config;
const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
await startApp(config, logger, { flowDir: process.argv[3]! });
process.stdout.write('ready\n');
