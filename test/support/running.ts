/**
 * A running configuration (server/running) of its own for a test: the demo
 * configuration and flow folder as the seed, kept in a fresh DATA_DIR.
 */
import path from 'node:path';
import { pino } from 'pino';
import { loadPromptSet } from '../../media/speech.js';
import { loadConfig, type Config } from '../../server/config/load.js';
import { RunningConfig } from '../../server/running/index.js';
import { FileRunningStore } from '../../server/store/running-file.js';
import { tempDir } from './tmp.js';

export async function openRunning(base: Config = loadConfig({ env: {} }), dataDir = tempDir('running-')): Promise<RunningConfig> {
  return RunningConfig.open({
    base, store: new FileRunningStore(dataDir), flows: { prompts: loadPromptSet(), dir: path.resolve('ivr-flows') }, logger: pino({ level: 'silent' }),
  });
}
