/** A flow's nodes in the steps a call meets them, and each node's ways out. */
import type { FlowNode } from './api-flows.js';

/** The node's ways out: its branches by outcome, then its one `next`. */
export function exits(node: FlowNode): Array<[outcome: string, to: string]> {
  return [...Object.entries(node.branches ?? {}), ...(node.next ? [['next', node.next] as [string, string]] : [])];
}

/**
 * The nodes in steps from `start`: the start, then what it leads to, and so
 * on, each node at the first step it is reached (breadth first); nodes
 * nothing reaches make a last step of their own, in their written order.
 */
export function callSteps(nodes: readonly FlowNode[], start: string): FlowNode[][] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const seen = new Set<string>();
  const steps: FlowNode[][] = [];
  let next = [start];
  while (next.length > 0) {
    const step: FlowNode[] = [];
    for (const id of next) {
      const node = byId.get(id);
      if (!node || seen.has(id)) continue;
      seen.add(id);
      step.push(node);
    }
    if (step.length > 0) steps.push(step);
    next = step.flatMap((n) => exits(n).map(([, to]) => to));
  }
  const unreached = nodes.filter((n) => !seen.has(n.id));
  return unreached.length > 0 ? [...steps, unreached] : steps;
}
