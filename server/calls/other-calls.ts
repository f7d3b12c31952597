/**
 * Calls that reach or leave an ACD agent's extension without the ACD: a call
 * between extensions or out through the trunk (the switch's B2BUA, through
 * its OnAnswered hook: server/sip/ports.ts), a greeted number's call
 * (./greeting.ts), a flow's transfer to the extension (./transfer.ts). The ACD is told while
 * one lasts, from answer to hang-up, so it offers the agent no queue call
 * meanwhile (server/acd/other-calls.ts). Extensions that are no agent's are
 * left out.
 *
 * The call goes on whatever the ACD answers: a failure to tell it (Redis
 * gone, say) is logged on the call's logger, never thrown.
 */
import type { Logger } from 'pino';
import type { Acd } from '../acd/index.js';
import type { OnAnswered } from '../sip/ports.js';

/** What an answered call reports when it ends; calling it more than once reports once. */
export type OtherCallEnd = () => Promise<void>;

/**
 * Tells the ACD that each agent among `extensions` is on the call `callId`
 * (answered now), and returns what tells it the call ended.
 */
export function otherCallAnswered(acd: Acd | undefined, extensions: readonly string[], callId: string, log: Logger): OtherCallEnd {
  const agents = acd ? [...new Set(extensions)].filter((e) => acd.profile(e) !== undefined) : [];
  if (!acd || agents.length === 0) return async () => {};
  const tell = async (what: 'otherCallStarted' | 'otherCallEnded'): Promise<void> => {
    await Promise.all(agents.map(async (agent) => {
      try {
        await acd[what](agent, callId);
      } catch (err) {
        log.warn({ err, agent }, `ACD ${what} not applied`);
      }
    }));
  };
  log.info({ agents }, 'agent on a call outside the ACD: offered no queue call until it ends');
  const started = tell('otherCallStarted');
  let ended: Promise<void> | undefined;
  return () => (ended ??= started.then(() => tell('otherCallEnded')));
}

/** The switch's on-answered hook, told to the ACD. */
export function agentsOnCall(acd: Acd): OnAnswered {
  return (extensions, callId, log) => otherCallAnswered(acd, extensions, callId, log);
}
