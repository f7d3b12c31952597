/**
 * One service's opening hours: open now or not and why, the "close now"
 * button, the weekly hours, the coming four weeks as a calendar, and its
 * exceptions to add, change or delete. Every change carries the ETag of
 * the last read (a change made elsewhere meanwhile is refused, and the
 * hours are read again), and every change is followed by a fresh read.
 */
import { css, html, LitElement } from 'lit';
import { ApiError } from '../api.js';
import { failureText } from '../failure.js';
import { LanguageController, texts } from '../i18n/index.js';
import { shared } from '../styles.js';
import { addDays, clock, plan, type DayPlan } from './calendar.js';
import { closeNow, deleteException, holidays, serviceHours, type HoursException, type Holiday, type ServiceHours } from './services-api.js';
import './exception-form.js';

const CALENDAR_DAYS = 28;
const WEEKDAY_KEYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export class ServiceHoursPanel extends LitElement {
  static override properties = { service: {} };
  declare service: string;

  static override styles = [shared, css`
    :host { display: block; }
    h2 { margin: 1.5rem 0 0.5rem; font-size: 1.3rem; }
    h3 { margin: 1.2rem 0 0.5rem; font-size: 1.1rem; }
    .now { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; }
    .badge { font-weight: 700; font-size: 1.2rem; padding: 0.2em 0.7em; border-radius: 4px; color: #ffffff; }
    .badge.open { background: var(--ok); }
    .badge.closed { background: var(--alarm); }
    .why { color: var(--muted); font-size: 0.9rem; flex-basis: 100%; margin: 0; }
    button.close-now { background: var(--alarm); border-color: var(--alarm); color: #ffffff; font-weight: 700; }
    .error { color: var(--alarm); }
    table { border-collapse: collapse; }
    th, td { text-align: left; padding: 0.3em 0.6em; border-bottom: 1px solid var(--line); vertical-align: top; }
    th { color: var(--muted); font-weight: 600; }
    .table-wrap { overflow-x: auto; }
    ol.calendar { list-style: none; padding: 0; margin: 0; display: grid; grid-template-columns: repeat(7, minmax(0, 1fr)); gap: 0.3rem; }
    ol.calendar li { border: 1px solid var(--line); border-radius: 4px; padding: 0.3rem 0.4rem; min-height: 4.2rem; font-size: 0.9rem; background: var(--bg); }
    ol.calendar li.closed { background: #fbe9eb; }
    ol.calendar li.changed { border: 2px solid var(--accent); }
    ol.calendar li.today { outline: 3px solid var(--fg); }
    .day { font-weight: 700; }
    .because { color: var(--muted); display: block; }
    @media (max-width: 700px) {
      ol.calendar { grid-template-columns: 1fr; }
      ol.calendar li { min-height: 0; }
      ol.calendar li.pad { display: none; }
    }
  `];

  private readonly language = new LanguageController(this);
  private hours: ServiceHours | undefined;
  private etag: string | undefined;
  private holidayList: Holiday[] = [];
  private editing: HoursException | undefined;
  private error: string | undefined;
  private busy = false;

  override updated(changed: Map<string, unknown>): void {
    if (changed.has('service')) {
      this.editing = undefined;
      void this.load();
    }
  }

  private async load(): Promise<void> {
    try {
      const { value: body, etag } = await serviceHours(this.service);
      const year = Number(body.today.slice(0, 4));
      const years = addDays(body.today, CALENDAR_DAYS).startsWith(String(year)) ? [year] : [year, year + 1];
      this.holidayList = (await Promise.all(years.map(holidays))).flat();
      this.hours = body;
      this.etag = etag;
    } catch (err) {
      this.error = failureText(err);
    }
    this.requestUpdate();
  }

  override render(): unknown {
    const t = texts();
    const h = this.hours;
    if (!h || h.service !== this.service) return html`<p>${this.error ?? t.loading}</p>`;
    const node = h.hoursNodes[0];
    return html`
      <h2 id="hours-heading">${t.hoursOf(h.service)}</h2>
      ${this.nowSection(h)}
      ${node ? html`
        ${this.weeklyTable(node.weekly, node.holidays)}
        <h3 id="calendar-heading">${t.comingWeeks}</h3>
        ${this.calendar(plan(h.today, CALENDAR_DAYS, node, h.exceptions, this.holidayList), h.today)}`
        : html`<p>${t.noHoursNode}</p>`}
      <h3 id="exceptions-heading">${t.exceptions}</h3>
      ${this.exceptionTable(h.exceptions)}
      <h3>${this.editing ? t.changeExceptionOf(this.editing.date) : t.addException}</h3>
      <vx-exception-form .service=${h.service} .etag=${this.etag} .editing=${this.editing}
        @saved=${this.changed} @stale=${this.load} @cancelled=${this.stopEditing}></vx-exception-form>`;
  }

  private nowSection(h: ServiceHours): unknown {
    const t = texts();
    const now = h.openNow;
    return html`
      <div class="now" role="group" aria-label=${t.openNowLabel}>
        ${now ? html`<span class="badge ${now.open ? 'open' : 'closed'}" data-open=${String(now.open)}>${now.open ? t.openNow : t.closedNow}</span>` : ''}
        <button type="button" class="close-now" ?disabled=${this.busy || now?.open === false} @click=${this.closeNow}>${t.closeNow}</button>
        ${this.error === undefined ? '' : html`<span class="error" role="alert">${this.error}</span>`}
        ${now ? html`<p class="why">${t[`openReason_${now.reason as OpenReason}`] ?? ''} ${now.explanation}</p>` : ''}
      </div>`;
  }

  private weeklyTable(weekly: Record<string, string[]>, holidays: string): unknown {
    const t = texts();
    return html`
      <h3 id="weekly-heading">${t.weeklyHours}</h3>
      <div class="table-wrap"><table aria-labelledby="weekly-heading">
        <tbody>${WEEKDAY_KEYS.map((d, i) => html`
          <tr><th scope="row">${t.weekday(i)}</th><td>${(weekly[d] ?? []).join(', ') || t.closed}</td></tr>`)}
        </tbody>
      </table></div>
      <p>${holidays === 'sweden' ? t.holidaysClosed : t.holidaysOpen}</p>`;
  }

  private calendar(days: DayPlan[], today: string): unknown {
    const t = texts();
    const padding = days[0]?.weekday ?? 0;
    return html`
      <ol class="calendar" aria-labelledby="calendar-heading">
        ${Array.from({ length: padding }, () => html`<li class="pad" aria-hidden="true"></li>`)}
        ${days.map((d) => {
          const closed = d.open.length === 0;
          const hours = closed ? t.closed : d.open.map(([from, to]) => `${clock(from)}–${clock(to)}`).join(', ');
          const why = d.reason.kind === 'exception' ? t.becauseException(d.reason.exception.hours, d.reason.exception.note)
            : d.reason.kind === 'holiday' ? d.reason.name
              : d.reason.kind === 'flow-exception' ? t.becauseFlowException : '';
          return html`
            <li class="${closed ? 'closed' : ''} ${d.reason.kind === 'weekly' ? '' : 'changed'} ${d.date === today ? 'today' : ''}" data-date=${d.date}>
              <span class="day">${t.weekday(d.weekday)} ${Number(d.date.slice(8))}/${Number(d.date.slice(5, 7))}</span>
              <span class="hours">${hours}</span>
              ${why ? html`<span class="because">${why}</span>` : ''}
            </li>`;
        })}
      </ol>`;
  }

  private exceptionTable(exceptions: HoursException[]): unknown {
    const t = texts();
    if (exceptions.length === 0) return html`<p>${t.noExceptions}</p>`;
    return html`
      <div class="table-wrap"><table aria-labelledby="exceptions-heading" data-table="exceptions">
        <thead><tr><th scope="col">${t.exceptionFrom}</th><th scope="col">${t.exceptionUntil}</th><th scope="col">${t.exceptionHours}</th>
          <th scope="col">${t.exceptionNote}</th><th scope="col">${t.actions}</th></tr></thead>
        <tbody>${exceptions.map((e) => html`
          <tr data-exception=${e.date}>
            <td>${e.date}</td><td>${e.until ?? ''}</td><td>${e.hours}</td><td>${e.note ?? ''}</td>
            <td>
              <button type="button" aria-label=${t.changeExceptionOf(e.date)} @click=${() => this.startEditing(e)}>${t.change}</button>
              <button type="button" aria-label=${t.deleteExceptionOf(e.date)} ?disabled=${this.busy} @click=${() => this.removeException(e)}>${t.delete}</button>
            </td>
          </tr>`)}
        </tbody>
      </table></div>`;
  }

  private startEditing(e: HoursException): void {
    this.editing = e;
    this.requestUpdate();
    void this.updateComplete.then(() => this.renderRoot.querySelector('vx-exception-form')?.shadowRoot?.querySelector<HTMLElement>('#until')?.focus());
  }

  private stopEditing(): void {
    this.editing = undefined;
    this.requestUpdate();
  }

  private changed(): void {
    this.editing = undefined;
    this.error = undefined;
    void this.load();
  }

  private async closeNow(): Promise<void> {
    await this.act(() => closeNow(this.service, this.etag));
  }

  private async removeException(e: HoursException): Promise<void> {
    await this.act(() => deleteException(this.service, e.date, this.etag));
  }

  private async act(change: () => Promise<unknown>): Promise<void> {
    this.busy = true;
    this.error = undefined;
    this.requestUpdate();
    try {
      await change();
    } catch (err) {
      const t = texts();
      this.error = err instanceof ApiError && err.status === 409 ? t.changedMeanwhile : failureText(err);
    }
    this.busy = false;
    await this.load();
  }
}

type OpenReason = 'hours' | 'holiday' | 'exception' | 'service-exception' | 'always-open';

customElements.define('vx-service-hours', ServiceHoursPanel);
