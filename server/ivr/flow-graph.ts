/**
 * The graph of one flow's nodes: where each node may go, loops the caller
 * would never hear the end of, and nodes the start cannot reach.
 */
import type { NodeDef } from './flow.js';
import { NODE_TYPES } from './nodes/index.js';

/** An edge from a node, with how to name it in a message ("next", 'branch "2"', "goto"). */
export interface Edge {
  label: string;
  to: string;
}

/** Every node id `def` may go to: next, its branches, and its type's own targets (goto). */
export function edges(def: NodeDef): Edge[] {
  const out: Edge[] = [];
  if (def.next !== undefined) out.push({ label: 'next', to: def.next });
  for (const [k, to] of Object.entries(def.branches ?? {})) out.push({ label: `branch "${k}"`, to });
  out.push(...(NODE_TYPES.get(def.type)?.targets?.(def) ?? []));
  return out;
}

/** A cycle made only of set and goto nodes (they take no time: the call would spin), as the ids around it. */
export function instantLoop(nodes: ReadonlyMap<string, NodeDef>): string[] | undefined {
  const instant = (id: string): boolean => {
    const t = nodes.get(id)?.type;
    return t === 'set' || t === 'goto';
  };
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    state.set(id, 'open');
    stack.push(id);
    for (const e of edges(nodes.get(id)!)) {
      if (!instant(e.to)) continue;
      const s = state.get(e.to);
      if (s === 'open') return [...stack.slice(stack.indexOf(e.to)), e.to];
      if (s === undefined) {
        const found = visit(e.to);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of nodes.keys()) {
    if (instant(id) && !state.has(id)) {
      const found = visit(id);
      if (found) return found;
    }
  }
  return undefined;
}

/** The ids of nodes `start` cannot reach, in file order. Call after every edge is known to lead to a node. */
export function unreached(nodes: ReadonlyMap<string, NodeDef>, start: string): string[] {
  const reached = new Set<string>([start]);
  const todo = [start];
  while (todo.length > 0) {
    for (const e of edges(nodes.get(todo.pop()!)!)) {
      if (!reached.has(e.to)) {
        reached.add(e.to);
        todo.push(e.to);
      }
    }
  }
  return [...nodes.keys()].filter((id) => !reached.has(id));
}
