/**
 * The reads both databases answer with the same SQL (./sql.ts, ./rows.ts):
 * each repository gives only how it runs a query.
 */
import { NO_REPORT_SUMS, type AgentInterval, type CaseTypeHandling, type ContactRecord, type IntervalCounts, type QueueDay, type QueueDayRules, type ReportQuery, type ReportRows } from './records.js';
import { contactSums, countsContacts, missedOffers, overlappingStates, segmentSums } from './report-sql.js';
import {
  agentIntervalsOf, caseTypeHandlingOf, contactSumsOf, intervalCountsOf, missedOffersOf, queueDaysOf, readAgentIntervals, readContact,
  READ, reportSumsOf, type Query,
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
    const [segments, contacts, missed, states] = await Promise.all([
      run(segmentSums(q)),
      byContact ? run(contactSums(q)) : [],
      byAgent ? run(missedOffers(q)) : [],
      byAgent ? run(overlappingStates(q)) : [],
    ]);
    const sums = reportSumsOf(segments, byContact);
    // A deflected caller never reached a queue: the contact's interval and group may have no segment row.
    const at = new Map(sums.map((row) => [`${row.key}\u0000${row.group}`, row]));
    for (const c of contactSumsOf(contacts)) {
      const row = at.get(`${c.key}\u0000${c.group}`);
      if (row) Object.assign(row.sums, c.sums);
      else sums.push({ key: c.key, group: c.group, sums: { ...NO_REPORT_SUMS, ...c.sums } });
    }
    return { sums, missedOffers: missedOffersOf(missed), states: agentIntervalsOf(states) };
  }
}
