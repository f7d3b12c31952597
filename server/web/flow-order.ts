/** A flow's nodes in the order a call meets them, and each node's ways out. */
import type { FlowNode } from './api-flows.js';

/** The node's ways out: its branches by outcome, then its one `next`. */
export function exits(node: FlowNode): Array<[outcome: string, to: string]> {
  return [...Object.entries(node.branches ?? {}), ...(node.next ? [['next', node.next] as [string, string]] : [])];
}

/** Nodes breadth first from `start`; those nothing reaches come last, in their written order. */
export function callOrder(nodes: readonly FlowNode[], start: string): FlowNode[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const seen = new Set<string>();
  const queue = [start];
  const ordered: FlowNode[] = [];
  while (queue.length > 0) {
    const node = byId.get(queue.shift()!);
    if (!node || seen.has(node.id)) continue;
    seen.add(node.id);
    ordered.push(node);
    queue.push(...exits(node).map(([, to]) => to));
  }
  return [...ordered, ...nodes.filter((n) => !seen.has(n.id))];
}
