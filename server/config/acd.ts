/**
 * The ACD's queues and agent profiles from the configuration
 * (config `queues` and `extensions[].agent`): a plain translation, so the
 * ACD stays free of the configuration's file format.
 */
import type { AgentProfile, Eligibility, QueueConfig } from '../acd/model.js';
import type { Config, QueueStepConfig } from '../../config/schema.js';

export function acdQueues(config: Pick<Config, 'queues'>): QueueConfig[] {
  return config.queues.map((q) => ({
    id: q.id,
    name: q.name,
    steps: q.steps.map((s) => ({ afterSeconds: s.afterSeconds, eligible: eligibility(s) })),
    priority: q.priority === 'head-start'
      ? { kind: 'head-start', secondsPerPoint: q.headStartSecondsPerPoint ?? 0 }
      : { kind: 'classes' },
    wrapUpSeconds: q.wrapUpSeconds,
    ringTimeoutSeconds: q.ringTimeoutSeconds,
    maxMissedOffers: q.maxMissedOffers,
    personalOverflowSeconds: q.personalOverflowSeconds,
    ...(q.callbackRetrySeconds !== undefined ? { callbackRetrySeconds: q.callbackRetrySeconds } : {}),
    ...(q.callbackMaxAttempts !== undefined ? { callbackMaxAttempts: q.callbackMaxAttempts } : {}),
  }));
}

function eligibility(step: QueueStepConfig): Eligibility {
  if (step.skill !== undefined) return step.minLevel !== undefined ? { skill: step.skill, minLevel: step.minLevel } : { skill: step.skill };
  if (step.group !== undefined) return { group: step.group };
  return { everyone: true };
}

/** One agent per extension with an `agent` profile; the agent's id is the extension. */
export function acdAgents(config: Pick<Config, 'extensions'>): AgentProfile[] {
  return config.extensions.flatMap((e) => {
    if (!e.agent) return [];
    const device: AgentProfile['device'] = e.agent.answerOn === 'mobile' && e.mobile
      ? { kind: 'mobile', number: e.mobile }
      : { kind: 'desk', extension: e.extension };
    return [{ id: e.extension, name: e.name, skills: { ...e.agent.skills }, groups: [...e.agent.groups], queues: [...e.agent.queues], device }];
  });
}
