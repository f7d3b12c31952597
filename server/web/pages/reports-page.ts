/**
 * Reports on the contact records: pick a period (first and last day),
 * the interval size and the grouping; a chart of calls offered and answered
 * with the service level, a table of every figure per interval and group,
 * and the same as a CSV file. What each figure means: docs/statistics.md.
 */
import { css, html, LitElement } from 'lit';
import { readReport, reportCsvUrl, type Report, type ReportRequest } from '../api-reports.js';
import { duration } from '../format.js';
import { LanguageController, texts } from '../i18n/index.js';
import type { Texts } from '../i18n/sv.js';
import { shared, tables } from '../styles.js';
import { formProblem, type FormProblem } from './form-problem.js';
import './report-chart.js';

const INTERVALS: ReadonlyArray<ReportRequest['interval']> = ['15m', '30m', '60m', 'day', 'week', 'month'];
const GROUPINGS: ReadonlyArray<ReportRequest['groupBy']> = ['service', 'queue', 'dialled', 'agent', 'caseType'];
const FIELDS = ['from', 'to', 'interval', 'groupBy'];
const DAY_MS = 86_400_000;

type Row = Report['rows'][number];

/** "YYYY-MM-DD" of the browser's today, and a date moved by whole days. */
const today = (): string => new Date(Date.now() - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 10);
const plusDays = (date: string, days: number): string => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

const seconds = (value: number | null): string => (value === null ? '–' : duration(value));
const percent = (value: number | null | undefined): string => (value === null || value === undefined ? '–' : `${Math.round(value * 1000) / 10} %`);
const count = (value: number | null | undefined): string => (value === null || value === undefined ? '–' : String(value));

export class ReportsPage extends LitElement {
  static override styles = [shared, tables, css`
    :host { display: block; padding: 1rem 1.5rem; }
    h1 { margin: 0 0 0.5rem; font-size: 1.6em; }
    form { display: flex; flex-wrap: wrap; gap: 0.75rem 1.25rem; align-items: flex-end; margin-bottom: 1rem; }
    label { display: block; font-weight: 600; }
    .error { color: var(--alarm); margin: 0.2rem 0 0; }
    td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
    .csv { display: inline-block; margin: 0.5rem 0 1rem; }
    vx-report-chart { margin: 0.5rem 0 1rem; }
  `];

  private readonly language = new LanguageController(this);
  private request: ReportRequest = { from: today(), to: plusDays(today(), 1), interval: '60m', groupBy: 'service' };
  private report: Report | undefined;
  private problem: FormProblem | undefined;
  private loading = false;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  override render(): unknown {
    const t = texts();
    const r = this.request;
    return html`
      <h1>${t.reportsTitle}</h1>
      <form @submit=${this.submit} novalidate>
        <div>
          <label for="from">${t.reportFrom}</label>
          <input id="from" name="from" type="date" required .value=${r.from} aria-describedby="from-error">
          ${this.errorFor('from')}
        </div>
        <div>
          <label for="to">${t.reportTo}</label>
          <input id="to" name="to" type="date" required .value=${plusDays(r.to, -1)} aria-describedby="to-error">
          ${this.errorFor('to')}
        </div>
        <div>
          <label for="interval">${t.reportInterval}</label>
          <select id="interval" name="interval" aria-describedby="interval-error">
            ${INTERVALS.map((i) => html`<option value=${i} ?selected=${i === r.interval}>${t[`reportInterval_${i}`]}</option>`)}
          </select>
          ${this.errorFor('interval')}
        </div>
        <div>
          <label for="groupBy">${t.reportGroupBy}</label>
          <select id="groupBy" name="groupBy" aria-describedby="groupBy-error">
            ${GROUPINGS.map((g) => html`<option value=${g} ?selected=${g === r.groupBy}>${t[`reportGroup_${g}`]}</option>`)}
          </select>
          ${this.errorFor('groupBy')}
        </div>
        <button type="submit" class="primary" ?disabled=${this.loading}>${t.reportShow}</button>
      </form>
      ${this.problem && this.problem.field === undefined ? html`<p class="error" role="alert">${this.problem.message}</p>` : ''}
      ${this.report ? this.result(t, this.report) : html`<p role="status">${this.problem ? '' : t.loading}</p>`}`;
  }

  private result(t: Texts, report: Report): unknown {
    const byAgent = report.groupBy === 'agent';
    const reasons = byAgent ? [...new Set(report.rows.flatMap((row) => Object.keys(row.pauseSecondsByReason ?? {})))].sort() : [];
    return html`
      <a class="csv" href=${reportCsvUrl(report)} download>${t.reportCsv}</a>
      ${report.rows.length === 0 ? html`<p role="status">${t.reportEmpty}</p>` : html`
        <vx-report-chart .totals=${report.totals} .timezone=${report.timezone}></vx-report-chart>
        <div class="table-wrap"><table data-table="report">
          <caption class="visually-hidden">${t.reportsTitle}</caption>
          <thead><tr>
            <th scope="col">${t.reportStart}</th>
            <th scope="col">${t[`reportGroup_${report.groupBy}`]}</th>
            ${this.headings(t).map((h) => html`<th scope="col" class="num">${h}</th>`)}
            ${byAgent ? html`<th scope="col" class="num">${t.reportMissedOffers}</th><th scope="col" class="num">${t.reportOccupancy}</th>` : ''}
            ${reasons.map((reason) => html`<th scope="col" class="num">${t.reportPause(reason || t.reportNoReason)}</th>`)}
          </tr></thead>
          <tbody>${report.rows.map((row) => html`
            <tr data-start=${row.start} data-group=${row.group}>
              <td>${row.start.slice(0, 16).replace('T', ' ')}</td>
              <td>${row.group || t.reportNone}</td>
              ${this.cells(row).map((c) => html`<td class="num">${c}</td>`)}
              ${byAgent ? html`<td class="num">${count(row.missedOffers)}</td><td class="num">${percent(row.occupancy)}</td>` : ''}
              ${reasons.map((reason) => html`<td class="num">${seconds(row.pauseSecondsByReason?.[reason] ?? 0)}</td>`)}
            </tr>`)}
          </tbody>
        </table></div>`}`;
  }

  private headings(t: Texts): string[] {
    return [
      t.reportOffered, t.reportAnswered, t.reportAbandoned, t.reportShortAbandoned, t.reportServiceLevel, t.reportAsa,
      t.reportAverageWait, t.reportLongestWait, t.reportAht, t.reportCallbacks, t.reportDeflections, t.reportTransfers, t.reportOverflows,
    ];
  }

  private cells(row: Row): string[] {
    return [
      count(row.offered), count(row.answered), count(row.abandoned), count(row.shortAbandoned), percent(row.serviceLevel),
      seconds(row.averageSpeedOfAnswerSeconds), seconds(row.averageWaitSeconds), seconds(row.longestWaitSeconds),
      seconds(row.averageHandlingSeconds), `${row.callbacksCompleted} / ${row.callbacksRequested}`,
      count(row.deflections), count(row.transfers), count(row.overflows),
    ];
  }

  private errorFor(field: string): unknown {
    return this.problem?.field === field ? html`<p class="error" id="${field}-error" role="alert">${this.problem.message}</p>` : '';
  }

  private readonly submit = (event: Event): void => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const from = String(form.get('from') ?? '');
    const last = String(form.get('to') ?? '');
    const t = texts();
    if (!from) return this.refuse({ message: t.requiredField, field: 'from', conflict: false });
    if (!last) return this.refuse({ message: t.requiredField, field: 'to', conflict: false });
    if (last < from) return this.refuse({ message: t.reportToBeforeFrom, field: 'to', conflict: false });
    this.request = {
      from, to: plusDays(last, 1),
      interval: form.get('interval') as ReportRequest['interval'], groupBy: form.get('groupBy') as ReportRequest['groupBy'],
    };
    void this.load();
  };

  private refuse(problem: FormProblem): void {
    this.problem = problem;
    this.requestUpdate();
  }

  private async load(): Promise<void> {
    this.loading = true;
    this.requestUpdate();
    try {
      this.report = await readReport(this.request);
      this.problem = undefined;
    } catch (err) {
      this.report = undefined;
      this.problem = formProblem(err, FIELDS, { versioned: false });
    }
    this.loading = false;
    this.requestUpdate();
  }
}

customElements.define('vx-reports-page', ReportsPage);
