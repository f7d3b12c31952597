/**
 * The switch on drachtio-srf: registrar, calls and OPTIONS, wired by SIP
 * method in drachtio-srf's own idiom.
 */
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { Config } from '../../config/schema.js';
import { DigestAuthenticator } from './digest.js';
import { Directory } from './directory.js';
import { Registrar } from './registrar.js';
import { CallRouter } from './calls.js';
import { OverloadGuard } from './overload.js';
import { LegBuilder } from './legs.js';
import type { MediaServer } from '../../media/port.js';
import type { PromptSet } from '../../media/speech.js';

export interface Switch {
  directory: Directory;
  registrar: Registrar;
  /** Every outbound leg and what its callee is shown (./legs.ts). */
  legs: LegBuilder;
  calls: CallRouter;
  /** Refuses new calls when the switch is overloaded (sip.maxConcurrentCalls, sip.maxEventLoopDelayMs). */
  overload: OverloadGuard;
  stop(): void;
}

export function createSwitch(srf: Srf, config: Config, media: MediaServer, prompts: PromptSet, logger: Logger): Switch {
  const log = logger.child({ component: 'switch' });
  const directory = new Directory(config);
  const auth = new DigestAuthenticator(config.sip.domain);
  const registrar = new Registrar({ directory, auth, expiry: config.sip.registration, logger: log });
  const overload = new OverloadGuard({
    maxConcurrentCalls: config.sip.maxConcurrentCalls,
    maxEventLoopDelayMs: config.sip.maxEventLoopDelayMs,
    logger: log,
  });
  overload.start();
  const legs = new LegBuilder({ registrar, domain: config.sip.domain, trunk: () => directory.outboundTrunk });
  const calls = new CallRouter({ srf, directory, legs, auth, media, prompts, logger: log, overload });

  srf.use('register', (req, res) => registrar.handle(req, res));
  srf.use('options', (_req, res) => res.send(200, { headers: { Allow: 'INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, INFO, UPDATE' } }));
  srf.invite((req, res) => {
    calls.handle(req, res).catch((err: unknown) => {
      log.error({ err, callId: req.get('Call-ID') }, 'call handling failed');
      if (!res.finalResponseSent) res.send(500);
    });
  });

  const stop = (): void => {
    registrar.stop();
    overload.stop();
  };
  return { directory, registrar, legs, calls, overload, stop };
}
