/**
 * The reads both databases answer with the same SQL (./sql.ts, ./rows.ts):
 * each repository gives only how it runs a query.
 */
import type { AgentInterval, CaseTypeHandling, ContactRecord, IntervalCounts, QueueDay, QueueDayRules, ReportQuery, ReportRows, ServiceDay } from './records.js';
import { contactSums, countsContacts, crossingStates, missedOffers, segmentSums, stateSums } from './report-sql.js';
import {
  caseTypeHandlingOf, contactSumsOf, dayFiguresOf, intervalCountsOf, missedOffersOf, readAgentIntervals, readContact,
  READ, reportStatesOf, reportSumsOf, stateTimeOf, type Query,
} from './rows.js';
import { CASE_TYPE_HANDLING, dayFigures, INTERVAL_COUNTS, type Statement } from './sql.js';
import { AGENT_STATES_OVERLAPPING, QUEUE_INTERVALS, QUEUED_CALLS, agentStatesOf, queueIntervalsOf, queuedCallsOf, type QueueInterval, type QueuedCall } from './staffing-reads.js';

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

  async queueIntervals(intervalMinutes: number, from: number, to: number): Promise<QueueInterval[]> {
    return queueIntervalsOf(await this.query(QUEUE_INTERVALS, [intervalMinutes * 60_000, from, to]));
  }

  async queuedCalls(from: number, to: number): Promise<QueuedCall[]> {
    return queuedCallsOf(await this.query(QUEUED_CALLS, [from, to]));
  }

  async agentStates(from: number, to: number): Promise<AgentInterval[]> {
    return agentStatesOf(await this.query(AGENT_STATES_OVERLAPPING, [to, from]));
  }

  async report(q: ReportQuery): Promise<ReportRows> {
    const run = (s: Statement): Promise<Array<Record<string, unknown>>> => this.query(s.text, s.params);
    const byContact = countsContacts(q.groupBy);
    const byAgent = q.groupBy === 'agent';
    const [segments, contacts, missed, stateTime, states] = await Promise.all([
      run(segmentSums(q)),
      byContact ? run(contactSums(q)) : [],
      byAgent ? run(missedOffers(q)) : [],
      byAgent ? run(stateSums(q)) : [],
      byAgent ? run(crossingStates(q)) : [],
    ]);
    // A deflected caller never reached a queue: deflections and transfers are rows of their own, added to the segments' by the report.
    const sums = [...reportSumsOf(segments, byContact), ...contactSumsOf(contacts)];
    return { sums, missedOffers: missedOffersOf(missed), stateTime: stateTimeOf(stateTime), states: reportStatesOf(states) };
  }
}
