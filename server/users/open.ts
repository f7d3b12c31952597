/**
 * The users store the configuration asks for: Redis when REDIS_URL is set
 * (every instance shares users, tokens and sessions), else `users.json` in
 * DATA_DIR.
 */
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../../config/schema.js';
import { FileUserStore } from './file-store.js';
import { RedisUserStore } from './redis-store.js';
import type { UserStore } from './store-port.js';

export function openUserStore(config: Config, logger: Logger): UserStore {
  return config.redisUrl
    ? new RedisUserStore({ url: config.redisUrl, onError: (err) => logger.error({ err }, 'users store') })
    : FileUserStore.open(join(resolve(config.dataDir), 'users.json'));
}
