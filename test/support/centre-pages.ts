/**
 * Browser tests of the pages on a running call centre (./callbacks.ts) on
 * the repo's flows, where the card-blocking queue offers no callback: the
 * product started for the test file with a user of each role (TEST_USERS)
 * made through its API, and every desk phone the tests started stopped
 * after the file.
 */
import { afterAll, beforeAll } from 'vitest';
import { flowDir } from '../../server/app.js';
import { signInEachRole } from './api.js';
import { stopAllBaresip } from './baresip.js';
import { useProduct, type ProductUnderTest } from './browser.js';
import { startCallbackCenter, type CallbackCenter } from './callbacks.js';
import { TEST_ADMIN_PASSWORD } from './product.js';

export function useCentreForPages(): ProductUnderTest<CallbackCenter> {
  const started = useProduct(() => startCallbackCenter({ flowDir: flowDir() }));
  beforeAll(async () => {
    await signInEachRole(started.product.app.api, TEST_ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await stopAllBaresip();
  });
  return started;
}
