/**
 * A real running configuration (server/running) on a fresh DATA_DIR, seeded
 * from config/default.yaml and ivr-flows/, for route tests of the features
 * over it: `openRunning()` then buildTestApi with the feature.
 */
import path from 'node:path';
import { loadPromptSet } from '../../media/speech.js';
import { loadConfig } from '../../server/config/load.js';
import { createLogger } from '../../server/log.js';
import { RunningConfig } from '../../server/running/index.js';
import { FileRunningStore } from '../../server/store/running-file.js';
import { tempDir } from './tmp.js';

export async function openRunning(): Promise<RunningConfig> {
  return RunningConfig.open({
    base: loadConfig({ env: {} }),
    store: new FileRunningStore(tempDir('running-api-')),
    flows: { prompts: loadPromptSet(), dir: path.resolve('ivr-flows') },
    logger: createLogger('silent'),
  });
}
