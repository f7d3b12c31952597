/**
 * Hands a new version of the running configuration (server/running) to the
 * parts that use it. The ACD takes its queues and agents first (it may
 * wait for an operation in progress), and the live state tells what that
 * changed (server/stats/live-state.ts); then every other part swaps in the
 * same turn of the event loop, so a call that starts sees one version
 * throughout: the directory (numbers, extensions, passwords for the next
 * challenge), the dial-out policy, the operators' PINs, the avalanche
 * messages, the feature codes, the flows, and the call center's queues.
 * Calls in progress keep what they started with (their Flow object, their
 * legs).
 */
import type { Logger } from 'pino';
import type { Acd } from './acd/index.js';
import type { CallCenter } from './calls/center.js';
import type { FileAnnouncementStore } from './calls/announcements.js';
import type { AvalancheStore } from './calls/avalanche.js';
import type { FeatureCodes } from './calls/feature-codes.js';
import { acdAgents, acdQueues } from './config/acd.js';
import type { FlowLibrary } from './ivr/loader.js';
import type { Listener } from './running/running.js';
import type { Switch } from './sip/switch.js';
import type { LiveState } from './stats/live-state.js';

export interface Reconfigurable {
  acd: Acd;
  live: Pick<LiveState, 'configurationChanged'>;
  switch: Pick<Switch, 'directory' | 'dialOut'>;
  announcements: FileAnnouncementStore;
  avalanche: AvalancheStore;
  features: FeatureCodes;
  flows: FlowLibrary;
  center: CallCenter;
  logger: Logger;
}

export function reconfigureParts(parts: Reconfigurable): Listener {
  return async ({ config, flows, version }) => {
    await parts.acd.reconfigure(acdQueues(config), acdAgents(config));
    parts.live.configurationChanged();
    parts.switch.directory.reconfigure(config);
    parts.switch.dialOut.reconfigure(config.dialOut);
    parts.announcements.reconfigure(config.operators);
    parts.avalanche.reconfigure(config.avalanche);
    parts.features.reconfigure(config);
    parts.flows.replace(flows);
    await parts.center.reconfigure(config);
    parts.logger.info({ version }, 'running configuration in use: the next call sees it');
  };
}
