/** A flow's nodes in the steps of a call, for the flow picture (server/web/flow-order.ts). */
import { describe, expect, it } from 'vitest';
import type { FlowNode } from '../../server/web/api-flows.js';
import { callSteps, exits } from '../../server/web/flow-order.js';

const NODES: FlowNode[] = [
  { id: 'bye', type: 'hangup' },
  { id: 'menu', type: 'menu', branches: { '1': 'queue', '2': 'bye' } },
  { id: 'orphan', type: 'play', next: 'bye' },
  { id: 'hours', type: 'hours', branches: { open: 'menu', closed: 'closed' } },
  { id: 'closed', type: 'play', next: 'bye' },
  { id: 'queue', type: 'queue', branches: { overflow: 'bye' }, next: 'menu' },
];

describe('the flow picture\'s steps', () => {
  it('lists each way out, branches before next', () => {
    expect(exits(NODES[5]!)).toEqual([['overflow', 'bye'], ['next', 'menu']]);
    expect(exits(NODES[0]!)).toEqual([]);
  });

  const ids = (steps: FlowNode[][]): string[][] => steps.map((step) => step.map((n) => n.id));

  it('puts each node at the first step a call reaches it, loops included; unreachable nodes in a last step', () => {
    expect(ids(callSteps(NODES, 'hours'))).toEqual([['hours'], ['menu', 'closed'], ['queue', 'bye'], ['orphan']]);
  });

  it('ignores a way out to a node that does not exist', () => {
    expect(ids(callSteps([{ id: 'a', type: 'play', next: 'missing' }], 'a'))).toEqual([['a']]);
  });
});
