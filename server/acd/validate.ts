/**
 * Checks the queues and agent profiles an Acd is built with, so a mistake in
 * configuration stops start-up with one clear line (which queue or agent,
 * which field, what is wrong) instead of routing strangely; and an entry
 * the telephony layer enqueues, likewise.
 */
import { AcdError } from './errors.js';
import type { AgentProfile, NewEntry, QueueConfig } from './model.js';

const isNum = (v: unknown, min: number): boolean => typeof v === 'number' && Number.isFinite(v) && v >= min;
const isLevel = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 5;

function fail(what: string, path: string, problem: string, got: unknown): never {
  throw new AcdError(`${what}: ${path}: ${problem}, got ${JSON.stringify(got)}`);
}

export function validateQueues(queues: readonly QueueConfig[]): void {
  const seen = new Set<string>();
  for (const q of queues) {
    if (typeof q.id !== 'string' || q.id === '') fail('queue', 'id', 'must be a non-empty string', q.id);
    const what = `queue "${q.id}"`;
    if (seen.has(q.id)) fail(what, 'id', 'is used by two queues', q.id);
    seen.add(q.id);
    if (!Array.isArray(q.steps)) fail(what, 'steps', 'must be a list', q.steps);
    q.steps.forEach((s, i) => {
      if (!isNum(s.afterSeconds, 0)) fail(what, `steps[${i}].afterSeconds`, 'must be a number >= 0', s.afterSeconds);
      const e = s.eligible as Record<string, unknown> | undefined;
      if (!e || typeof e !== 'object') fail(what, `steps[${i}].eligible`, 'must be {skill, minLevel?}, {group} or {everyone: true}', e);
      if ('skill' in e) {
        if (typeof e.skill !== 'string' || e.skill === '') fail(what, `steps[${i}].eligible.skill`, 'must be a skill name', e.skill);
        if (e.minLevel !== undefined && !isLevel(e.minLevel)) fail(what, `steps[${i}].eligible.minLevel`, 'must be 1..5', e.minLevel);
      } else if ('group' in e) {
        if (typeof e.group !== 'string' || e.group === '') fail(what, `steps[${i}].eligible.group`, 'must be a group name', e.group);
      } else if (e.everyone !== true) {
        fail(what, `steps[${i}].eligible`, 'must be {skill, minLevel?}, {group} or {everyone: true}', e);
      }
    });
    const p = q.priority as { kind?: unknown; secondsPerPoint?: unknown } | undefined;
    if (p?.kind === 'head-start') {
      if (!isNum(p.secondsPerPoint, 0)) fail(what, 'priority.secondsPerPoint', 'must be a number >= 0', p.secondsPerPoint);
    } else if (p?.kind !== 'classes') {
      fail(what, 'priority', "must be {kind: 'classes'} or {kind: 'head-start', secondsPerPoint}", p);
    }
    if (!isNum(q.wrapUpSeconds, 0)) fail(what, 'wrapUpSeconds', 'must be a number >= 0', q.wrapUpSeconds);
    if (!isNum(q.ringTimeoutSeconds, 0) || q.ringTimeoutSeconds <= 0)
      fail(what, 'ringTimeoutSeconds', 'must be a number > 0', q.ringTimeoutSeconds);
    if (!Number.isInteger(q.maxMissedOffers) || q.maxMissedOffers < 1)
      fail(what, 'maxMissedOffers', 'must be a whole number >= 1', q.maxMissedOffers);
    if (!isNum(q.personalOverflowSeconds, 0))
      fail(what, 'personalOverflowSeconds', 'must be a number >= 0', q.personalOverflowSeconds);
    if (q.callbackRetrySeconds !== undefined && !isNum(q.callbackRetrySeconds, 0))
      fail(what, 'callbackRetrySeconds', 'must be a number >= 0', q.callbackRetrySeconds);
    if (q.callbackMaxAttempts !== undefined && (!Number.isInteger(q.callbackMaxAttempts) || q.callbackMaxAttempts < 1))
      fail(what, 'callbackMaxAttempts', 'must be a whole number >= 1', q.callbackMaxAttempts);
    if (q.defaultHandleSeconds !== undefined && !isNum(q.defaultHandleSeconds, 0))
      fail(what, 'defaultHandleSeconds', 'must be a number >= 0', q.defaultHandleSeconds);
  }
}

export function validateAgents(agents: readonly AgentProfile[], queueIds: ReadonlySet<string>): void {
  const seen = new Set<string>();
  for (const a of agents) {
    if (typeof a.id !== 'string' || a.id === '') fail('agent', 'id', 'must be a non-empty string', a.id);
    const what = `agent "${a.id}"`;
    if (seen.has(a.id)) fail(what, 'id', 'is used by two agents', a.id);
    seen.add(a.id);
    for (const [skill, level] of Object.entries(a.skills ?? {}))
      if (!isLevel(level)) fail(what, `skills.${skill}`, 'must be a level 1..5', level);
    if (!Array.isArray(a.groups)) fail(what, 'groups', 'must be a list', a.groups);
    if (!Array.isArray(a.queues)) fail(what, 'queues', 'must be a list', a.queues);
    a.queues.forEach((q, i) => {
      if (!queueIds.has(q)) fail(what, `queues[${i}]`, 'is not a configured queue', q);
    });
  }
}

export function validateNewEntry(e: NewEntry): void {
  const bad = (field: string, problem: string, got: unknown): never => {
    throw new AcdError(`entry ${JSON.stringify(e?.id)}: ${field}: ${problem}, got ${JSON.stringify(got)}`);
  };
  if (typeof e !== 'object' || e === null) throw new AcdError('enqueue: an entry object is needed');
  if (typeof e.id !== 'string' || e.id === '') bad('id', 'must be a non-empty string', e.id);
  if (e.kind !== 'call' && e.kind !== 'callback') bad('kind', "must be 'call' or 'callback'", e.kind);
  if (typeof e.enqueuedAt !== 'number' || !Number.isFinite(e.enqueuedAt)) bad('enqueuedAt', 'must be a time in ms', e.enqueuedAt);
  if (typeof e.priority !== 'number' || !Number.isFinite(e.priority)) bad('priority', 'must be a number', e.priority);
  if (typeof e.data !== 'object' || e.data === null) bad('data', 'must be an object of strings', e.data);
  if (e.personalAgentId !== undefined && typeof e.personalAgentId !== 'string') bad('personalAgentId', 'must be an agent id', e.personalAgentId);
}
