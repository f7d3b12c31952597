/**
 * The store contract on MemoryStore, each store with its own temp DATA_DIR.
 */
import { MemoryStore } from '../../server/store/memory.js';
import { tempDir } from '../support/tmp.js';
import { storeContract } from './store-contract.js';

storeContract('MemoryStore', async () => new MemoryStore({
  dataDir: tempDir('store-memory-'),
  // The contract has a listener that throws on purpose; anything else is shown.
  onError: (err) => { if (!/listener bug/.test(err.message)) console.error(err); },
}));
