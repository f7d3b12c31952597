/**
 * The process: configuration, logger, the app, and a clean stop on signals.
 * At a terminal the logs are readable lines and a short summary says where
 * to register a phone and what to call (./console-summary.ts); piped or
 * redirected, the logs are JSON lines and there is no summary.
 */
import { loadConfig, ConfigError, configSources } from './config/load.js';
import { consoleDestination, createLogger } from './log.js';
import { startApp } from './app.js';
import { startupSummary } from './console-summary.js';
import { advertisedAddressFor } from './net/address.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`configuration error: ${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel, consoleDestination());
  // A bug in one call must not take every other call down with it.
  process.on('uncaughtException', (err) => logger.error({ err }, 'uncaught exception'));
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
  const sources = configSources();
  logger.info(sources, `configuration read from ${sources.files.join(' and ')}${sources.variables.length ? ` with ${sources.variables.join(', ')}` : ''} (process settings read once: restart after a change; the operational part only seeds a fresh installation)`);

  const app = await startApp(config, logger);
  if (process.stdout.isTTY) {
    process.stdout.write('\n' + startupSummary({
      config: app.running.current.config,
      address: config.sip.advertisedAddress ?? advertisedAddressFor(config.sip.host),
      flowOf: (number, service) => app.flows.forCall({ dialled: number, service }),
      pagesServed: false,
    }) + '\n');
  }
  const stop = async (signal: string): Promise<void> => {
    logger.info({ signal }, 'stopping');
    await app.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
