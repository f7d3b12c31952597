/**
 * One agent's own figures for today, from the contact records, for the
 * agent desktop: calls answered and their average handling time (talk,
 * hold and wrap-up), "today" being the company's day (company.timezone).
 */
import type { HistoryRepository } from '../history/repository.js';
import { companyDay } from './queue-today.js';

export interface AgentToday {
  /** The start of the company's day. */
  from: number;
  answered: number;
  /** Talk, hold and wrap-up per answered call, in whole seconds; null before the first. */
  averageHandlingSeconds: number | null;
}

export async function agentToday(history: Pick<HistoryRepository, 'caseTypeHandling'>, agentId: string, timezone: string, now: number): Promise<AgentToday> {
  const { from, to } = companyDay(now, timezone);
  let answered = 0;
  let handlingMs = 0;
  // One row per case type the agent answered today.
  for (const row of await history.caseTypeHandling(from, to)) {
    if (row.agent !== agentId) continue;
    answered += row.answered;
    handlingMs += row.talkMs + row.holdMs + row.wrapUpMs;
  }
  return { from, answered, averageHandlingSeconds: answered > 0 ? Math.round(handlingMs / answered / 1000) : null };
}
