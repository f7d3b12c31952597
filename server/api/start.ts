/**
 * The API as the product runs it (server/app.ts): the users store, the
 * first admin, every feature, listening on http.host:http.port, over HTTPS
 * when given the certificate and key of TLS_CERT and TLS_KEY.
 *
 * The first admin's random password (no ADMIN_PASSWORD, no user yet) is
 * written once to standard output, beside the log rather than in it: logs
 * are kept and shipped, a password must not be.
 */
import type { Logger } from 'pino';
import type { Config } from '../../config/schema.js';
import type { TlsFiles } from '../net/tls.js';
import { portInUseError } from '../port-in-use.js';
import { LoginThrottle } from '../users/login-throttle.js';
import { openUserStore } from '../users/open.js';
import { Users } from '../users/users.js';
import { productFeatures, type ProductParts } from './features.js';
import { buildApi, type Api } from './server.js';

export interface StartApiOptions {
  config: Config;
  logger: Logger;
  /** The certificate and key (server/net/tls.ts, read before anything else starts): HTTPS. */
  tls?: TlsFiles;
  /** Where the first admin's random password is shown; default standard output. */
  print?: (text: string) => void;
  /** What the features read of the running product. */
  parts: ProductParts;
}

export interface RunningApi {
  api: Api;
  /** Closes the API, then the users store. */
  stop(): Promise<void>;
}

export async function startApi({ config, logger, tls, print = (t) => process.stdout.write(t), parts }: StartApiOptions): Promise<RunningApi> {
  const store = openUserStore(config, logger);
  let api: Api | undefined;
  const stop = async (): Promise<void> => {
    await api?.close();
    await store.close();
  };
  try {
    const users = new Users({ store });
    const first = await users.ensureFirstAdmin(config.adminPassword);
    if (first) {
      logger.info({ user: first.name, from: first.generatedPassword ? 'a random password' : 'ADMIN_PASSWORD' }, 'first API user made');
      if (first.generatedPassword) {
        print(`\nThe API's first user: name ${first.name}, password ${first.generatedPassword}\n`
          + 'It is shown only this once: sign in and change it (PUT /api/v1/me/password).\n\n');
      }
    }
    const core = { users, throttle: new LoginThrottle({ now: Date.now }), secureCookies: tls !== undefined };
    api = await buildApi({
      logger, users, ...(tls ? { tls } : {}),
      features: productFeatures({ ...core, ...parts }),
    });
    try {
      await api.listen({ host: config.http.host, port: config.http.port });
    } catch (err) {
      throw portInUseError(err, config) ?? err;
    }
    return { api, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
