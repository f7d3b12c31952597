/**
 * The staffing page (bemanning) for supervisors: for a queue and a day, the
 * calls forecast against those offered, and the agents the queue's goal
 * needs against those planned and those actually ready, per interval, as a
 * chart (./staffing-chart.ts) and a table; the plan imported as a CSV file;
 * and the pooling what-if over chosen queues' own history.
 */
import { css, html, LitElement } from 'lit';
import { queues as readQueues, type Queue } from '../api.js';
import { importPlan, poolingWhatIf, queueStaffing, type PoolingResult, type QueueStaffing } from '../api-staffing.js';
import { failureText } from '../failure.js';
import { LanguageController, texts } from '../i18n/index.js';
import { shared, tables } from '../styles.js';
import './staffing-chart.js';

/** A date "YYYY-MM-DD" in this browser's calendar. */
const isoDate = (d: Date): string => d.toLocaleDateString('sv-SE');
const percent = (share: number): string => `${Math.round(share * 100)} %`;
const figure = (n: number | null, digits = 1): string => (n === null ? '–' : String(Number(n.toFixed(digits))));

export class StaffingPage extends LitElement {
  static override styles = [shared, tables, css`
    :host { display: block; padding: 1rem 1.5rem; }
    h1 { margin: 0 0 0.5rem; font-size: 1.6em; }
    h2 { font-size: 1.2em; margin: 1.5rem 0 0.5rem; }
    form { display: flex; flex-wrap: wrap; gap: 0.8rem 1.2rem; align-items: flex-end; }
    label, .field { display: flex; flex-direction: column; gap: 0.2rem; font-weight: 600; }
    fieldset { border: 1px solid var(--line); border-radius: 4px; display: flex; flex-wrap: wrap; gap: 0.3rem 1rem; }
    fieldset label { flex-direction: row; align-items: center; font-weight: normal; gap: 0.3rem; }
    .summary, .note { color: var(--muted); }
    .error { color: var(--alarm); font-weight: 600; }
    .ok { color: var(--ok); }
    .short { color: var(--alarm); font-weight: 700; }
    td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
    dl { display: grid; grid-template-columns: max-content auto; gap: 0.3rem 1rem; }
    dt { font-weight: 600; }
    dd { margin: 0; font-variant-numeric: tabular-nums; }
  `];

  private readonly language = new LanguageController(this);
  private queueList: Queue[] = [];
  private queue = '';
  private date = isoDate(new Date());
  private staffing: QueueStaffing | undefined;
  private error: string | undefined;
  private planMessage: { ok: boolean; text: string } | undefined;
  private poolQueues = new Set<string>();
  private poolFrom = isoDate(new Date(Date.now() - 28 * 86_400_000));
  private poolTo = isoDate(new Date(Date.now() - 86_400_000));
  private pooling: PoolingResult | undefined;
  private poolingError: { text: string; field?: string } | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.start();
  }

  private async start(): Promise<void> {
    try {
      this.queueList = (await readQueues()).value;
      this.queue = this.queueList[0]?.id ?? '';
      await this.load();
    } catch (err) {
      this.error = failureText(err);
      this.requestUpdate();
    }
  }

  private async load(): Promise<void> {
    if (this.queue === '') return;
    try {
      this.staffing = await queueStaffing(this.queue, this.date);
      this.error = undefined;
    } catch (err) {
      this.staffing = undefined;
      this.error = failureText(err);
    }
    this.requestUpdate();
  }

  override render(): unknown {
    const t = texts();
    return html`
      <h1>${t.staffingTitle}</h1>
      <form @submit=${(e: Event) => { e.preventDefault(); void this.load(); }}>
        <div class="field"><label for="staffing-queue">${t.queue}</label>
          <select id="staffing-queue" name="queue" .value=${this.queue} @change=${(e: Event) => { this.queue = (e.target as HTMLSelectElement).value; void this.load(); }}>
            ${this.queueList.map((q) => html`<option value=${q.id} ?selected=${q.id === this.queue}>${q.name}</option>`)}
          </select>
        </div>
        <div class="field"><label for="staffing-date">${t.staffingDate}</label>
          <input id="staffing-date" type="date" name="date" required .value=${this.date} @change=${(e: Event) => { this.date = (e.target as HTMLInputElement).value; void this.load(); }}>
        </div>
      </form>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
      ${this.staffing ? this.day(this.staffing) : ''}
      ${this.planForm()}
      ${this.poolingForm()}`;
  }

  private day(staffing: QueueStaffing): unknown {
    const t = texts();
    const day = staffing.days[0];
    if (!day) return '';
    return html`
      <p class="summary" data-summary>
        ${t.staffingGoal(percent(staffing.serviceLevelGoal), staffing.targetSeconds)}
        · ${staffing.method === 'erlang-a' ? t.staffingErlangA(Math.round(staffing.patienceSeconds ?? 0)) : t.staffingErlangC}
        · ${day.basedOn.length === 0 ? t.staffingNoHistory : t.staffingBasedOn(day.basedOn.length)}
        ${day.accuracy ? html`· <span data-accuracy>${t.staffingAccuracy(percent(day.accuracy.wape))}</span>` : ''}
        ${day.holiday ? html`· <strong>${t.staffingHoliday(day.holiday)}</strong>` : ''}
      </p>
      <vx-staffing-chart .day=${day}></vx-staffing-chart>
      ${day.intervals.length === 0 ? html`<p class="note">${t.staffingNothing}</p>` : html`
        <div class="table-wrap"><table data-table="staffing" aria-label=${t.staffingTableLabel}>
          <thead><tr>
            <th scope="col">${t.staffingStart}</th>
            <th scope="col" class="num">${t.staffingForecastCalls}</th><th scope="col" class="num">${t.staffingActualCalls}</th>
            <th scope="col" class="num">${t.staffingAht}</th>
            <th scope="col" class="num">${t.staffingNeeded}</th><th scope="col" class="num">${t.staffingScheduled}</th>
            <th scope="col" class="num">${t.staffingPlanned}</th><th scope="col" class="num">${t.staffingReady}</th>
          </tr></thead>
          <tbody>${day.intervals.map((iv) => html`
            <tr data-start=${iv.start}>
              <th scope="row">${iv.start}</th>
              <td class="num">${figure(iv.forecastCalls)}</td><td class="num">${figure(iv.actualCalls, 0)}</td>
              <td class="num">${iv.forecastAhtSeconds === null ? '–' : Math.round(iv.forecastAhtSeconds)}</td>
              <td class="num">${iv.needed}</td><td class="num">${iv.scheduled}</td>
              <td class="num">${figure(iv.planned, 0)}</td>
              <td class="num ${iv.ready !== null && (iv.ready < iv.needed || (iv.planned !== null && iv.ready < iv.planned)) ? 'short' : ''}">${figure(iv.ready)}</td>
            </tr>`)}
          </tbody>
        </table></div>`}`;
  }

  private planForm(): unknown {
    const t = texts();
    return html`
      <h2 id="plan-heading">${t.staffingPlanTitle}</h2>
      <p class="note">${t.staffingPlanHelp}</p>
      <form aria-labelledby="plan-heading" @submit=${this.uploadPlan}>
        <label>${t.staffingPlanFile}
          <input type="file" name="plan" accept=".csv,text/csv" required aria-describedby="plan-message">
        </label>
        <button type="submit" class="primary">${t.staffingPlanUpload}</button>
      </form>
      <p id="plan-message" class=${this.planMessage?.ok ? 'ok' : 'error'} role="status">${this.planMessage?.text ?? ''}</p>`;
  }

  private readonly uploadPlan = async (e: Event): Promise<void> => {
    e.preventDefault();
    const t = texts();
    const file = (e.target as HTMLFormElement).querySelector<HTMLInputElement>('input[type=file]')?.files?.[0];
    if (!file) return;
    try {
      const saved = await importPlan(file);
      this.planMessage = { ok: true, text: t.staffingPlanSaved(saved.intervals, saved.days) };
      await this.load();
    } catch (err) {
      this.planMessage = { ok: false, text: failureText(err) };
    }
    this.requestUpdate();
  };

  private poolingForm(): unknown {
    const t = texts();
    const error = (field: string): unknown =>
      this.poolingError?.field === field ? html`<span class="error" id="pool-error-${field.slice(1)}">${this.poolingError.text}</span>` : '';
    return html`
      <h2 id="pool-heading">${t.poolingTitle}</h2>
      <p class="note">${t.poolingHelp}</p>
      <form aria-labelledby="pool-heading" @submit=${this.runPooling}>
        <fieldset><legend>${t.poolingQueues}</legend>
          ${this.queueList.map((q) => html`<label><input type="checkbox" name="pool" value=${q.id} .checked=${this.poolQueues.has(q.id)}
            @change=${(e: Event) => { if ((e.target as HTMLInputElement).checked) this.poolQueues.add(q.id); else this.poolQueues.delete(q.id); }}>${q.name}</label>`)}
        </fieldset>
        <label>${t.poolingFrom}<input type="date" name="from" required .value=${this.poolFrom} @change=${(e: Event) => { this.poolFrom = (e.target as HTMLInputElement).value; }}>${error('/from')}</label>
        <label>${t.poolingTo}<input type="date" name="to" required .value=${this.poolTo} @change=${(e: Event) => { this.poolTo = (e.target as HTMLInputElement).value; }}>${error('/to')}</label>
        <button type="submit" class="primary">${t.poolingRun}</button>
      </form>
      ${this.poolingError && !['/from', '/to'].includes(this.poolingError.field ?? '') ? html`<p class="error" role="alert">${this.poolingError.text}</p>` : ''}
      ${this.pooling ? html`
        <dl data-pooling>
          <dt>${t.poolingSeparate(this.pooling.targetSeconds)}</dt><dd data-figure="separate">${percent(this.pooling.day.separateServiceLevel)}</dd>
          <dt>${t.poolingPooled(this.pooling.targetSeconds)}</dt><dd data-figure="pooled">${percent(this.pooling.day.pooledServiceLevel)}</dd>
          <dt>${t.poolingAgents}</dt><dd data-figure="agents">${this.pooling.day.agents}</dd>
          <dt>${t.poolingAgentsPooled}</dt><dd data-figure="pooled-agents">${this.pooling.day.pooledAgentsForSameLevel}</dd>
          <dt>${t.poolingHours}</dt><dd>${figure(this.pooling.day.agentHours)} → ${figure(this.pooling.day.pooledAgentHoursForSameLevel)}</dd>
        </dl>
        <p class="note">${t.staffingBasedOn(this.pooling.basedOn.length)}</p>` : ''}`;
  }

  private readonly runPooling = async (e: Event): Promise<void> => {
    e.preventDefault();
    try {
      this.pooling = await poolingWhatIf({ queues: [...this.poolQueues], from: this.poolFrom, to: this.poolTo });
      this.poolingError = undefined;
    } catch (err) {
      this.pooling = undefined;
      const field = (err as { field?: string }).field;
      this.poolingError = { text: failureText(err), ...(field !== undefined ? { field } : {}) };
    }
    this.requestUpdate();
  };
}

customElements.define('vx-staffing-page', StaffingPage);
