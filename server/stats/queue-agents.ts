/**
 * Who counts for a queue's staffing: the configured agents who may take its
 * calls at some step of its routing (an agent of two queues counts in both).
 */
import type { Config } from '../../config/schema.js';
import { stepsForAgent } from '../acd/eligibility.js';
import { acdAgents, acdQueues } from '../config/acd.js';

export function queueAgents(config: Pick<Config, 'queues' | 'extensions'>): Map<string, Set<string>> {
  const agents = acdAgents(config);
  return new Map(acdQueues(config).map((q) => [q.id, new Set(agents.filter((a) => stepsForAgent(a, q, q.steps).length > 0).map((a) => a.id))]));
}
