/** A flow's nodes in call order for the flow picture (server/web/flow-order.ts). */
import { describe, expect, it } from 'vitest';
import type { FlowNode } from '../../server/web/api-flows.js';
import { callOrder, exits } from '../../server/web/flow-order.js';

const NODES: FlowNode[] = [
  { id: 'bye', type: 'hangup' },
  { id: 'menu', type: 'menu', branches: { '1': 'queue', '2': 'bye' } },
  { id: 'orphan', type: 'play', next: 'bye' },
  { id: 'hours', type: 'hours', branches: { open: 'menu', closed: 'closed' } },
  { id: 'closed', type: 'play', next: 'bye' },
  { id: 'queue', type: 'queue', branches: { overflow: 'bye' }, next: 'menu' },
];

describe('the flow picture\'s order', () => {
  it('lists each way out, branches before next', () => {
    expect(exits(NODES[5]!)).toEqual([['overflow', 'bye'], ['next', 'menu']]);
    expect(exits(NODES[0]!)).toEqual([]);
  });

  it('walks breadth first from the start, each node once, loops included; unreachable nodes last', () => {
    expect(callOrder(NODES, 'hours').map((n) => n.id)).toEqual(['hours', 'menu', 'closed', 'queue', 'bye', 'orphan']);
  });

  it('ignores a way out to a node that does not exist', () => {
    expect(callOrder([{ id: 'a', type: 'play', next: 'missing' }], 'a').map((n) => n.id)).toEqual(['a']);
  });
});
