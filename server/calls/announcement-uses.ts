/**
 * Where each announcement slot is played, in one version of the running
 * configuration: a flow node's `announcement`, a queue node's
 * `brandMessages`, an avalanche message's `slot`. A slot in use must not be
 * deleted (callers would hear nothing where it was). The slots a
 * record-announcement node offers are recordable, not uses.
 */
import type { AvalancheConfig } from '../../config/schema.js';
import type { FlowSet } from '../ivr/flow-set.js';

export type AnnouncementUse =
  | { kind: 'flow'; flow: string; node: string }
  /** `queue` absent: the queue of the caller's service. */
  | { kind: 'queue'; flow: string; node: string; queue?: string }
  | { kind: 'avalanche'; id: string };

export interface SlotUses {
  uses: Map<string, AnnouncementUse[]>;
  /** Slots operators can record by phone (record-announcement nodes). */
  recordable: Set<string>;
}

export function announcementUses(flows: FlowSet, avalanche: readonly AvalancheConfig[]): SlotUses {
  const uses = new Map<string, AnnouncementUse[]>();
  const add = (slot: string, use: AnnouncementUse): void => {
    const list = uses.get(slot) ?? [];
    list.push(use);
    uses.set(slot, list);
  };
  const recordable = new Set<string>();
  for (const [flow, f] of flows.flows) {
    for (const [node, def] of f.nodes) {
      const settings = def as unknown as { announcement?: unknown; brandMessages?: unknown; queue?: unknown; slots?: unknown };
      if (typeof settings.announcement === 'string') add(settings.announcement, { kind: 'flow', flow, node });
      if (Array.isArray(settings.brandMessages)) {
        for (const slot of settings.brandMessages) {
          add(String(slot), { kind: 'queue', flow, node, ...(typeof settings.queue === 'string' ? { queue: settings.queue } : {}) });
        }
      }
      if (settings.slots && typeof settings.slots === 'object') for (const slot of Object.values(settings.slots)) recordable.add(String(slot));
    }
  }
  for (const a of avalanche) add(a.slot, { kind: 'avalanche', id: a.id });
  return { uses, recordable };
}

/** A use as a person reads it, e.g. "flow vaxel node sprak". */
export function describeUse(use: AnnouncementUse): string {
  switch (use.kind) {
    case 'flow': return `flow ${use.flow} node ${use.node}`;
    case 'queue': return `the brand messages of ${use.queue ? `queue ${use.queue}` : 'the service\'s queue'} (flow ${use.flow} node ${use.node})`;
    case 'avalanche': return `avalanche message ${use.id}`;
  }
}
