/**
 * The reads both databases answer with the same SQL (./sql.ts, ./rows.ts):
 * each repository gives only how it runs a query.
 */
import type { AgentInterval, CaseTypeHandling, ContactRecord, IntervalCounts, QueueDay, QueueDayRules, ReportQuery, ReportRows } from './records.js';
import { contactSums, countsContacts, crossingStates, missedOffers, segmentSums, stateSums } from './report-sql.js';
import {
  caseTypeHandlingOf, contactSumsOf, intervalCountsOf, missedOffersOf, queueDaysOf, readAgentIntervals, readContact,
  READ, reportStatesOf, reportSumsOf, stateTimeOf, type Query,
} from './rows.js';
import { CASE_TYPE_HANDLING, INTERVAL_COUNTS, queueDays, type Statement } from './sql.js';

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
    const q = queueDays(from, to, rules);
    return queueDaysOf(await this.query(q.text, q.params));
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
