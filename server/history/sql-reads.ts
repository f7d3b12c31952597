/**
 * The reads both databases answer with the same SQL (./sql.ts, ./rows.ts):
 * each repository gives only how it runs a query.
 */
import type { AgentInterval, CaseTypeHandling, ContactRecord, IntervalCounts, QueueDay, QueueDayRules, ServiceDay } from './records.js';
import { caseTypeHandlingOf, dayFiguresOf, intervalCountsOf, readAgentIntervals, readContact, READ, type Query } from './rows.js';
import { CASE_TYPE_HANDLING, dayFigures, INTERVAL_COUNTS } from './sql.js';

export abstract class SqlReads {
  protected abstract readonly query: Query;

  contact(id: string): Promise<ContactRecord | undefined> {
    return readContact(this.query, id);
  }

  async contactIds(from: number, to: number): Promise<string[]> {
    return (await this.query(READ.contactIds, [from, to])).map((r) => String(r.id));
  }

  agentIntervals(agent: string, from: number, to: number): Promise<AgentInterval[]> {
    return readAgentIntervals(this.query, agent, from, to);
  }

  async intervalCounts(intervalMinutes: number, from: number, to: number): Promise<IntervalCounts[]> {
    return intervalCountsOf(await this.query(INTERVAL_COUNTS, [intervalMinutes * 60_000, from, to]));
  }

  async caseTypeHandling(from: number, to: number): Promise<CaseTypeHandling[]> {
    return caseTypeHandlingOf(await this.query(CASE_TYPE_HANDLING, [from, to]));
  }

  async queueDays(from: number, to: number, rules: QueueDayRules): Promise<QueueDay[]> {
    const q = dayFigures('queue', from, to, rules);
    return dayFiguresOf(await this.query(q.text, q.params)).map(({ groupedBy, ...day }) => ({ queue: groupedBy, ...day }));
  }

  async serviceDays(from: number, to: number, rules: QueueDayRules): Promise<ServiceDay[]> {
    const q = dayFigures('service', from, to, rules);
    return dayFiguresOf(await this.query(q.text, q.params)).map(({ groupedBy, ...day }) => ({ service: groupedBy, ...day }));
  }
}
