/**
 * The audit log (ändringslogg): every change of the running configuration,
 * newest first, who made it and when, and each changed place before and
 * after (of a text, such as a flow, only the lines that changed: ../text-diff.ts).
 * A page at a time; "older" fetches the next.
 */
import { css, html } from 'lit';
import { readAudit, type AuditRecord } from '../api-audit.js';
import { dateTime } from '../format.js';
import { texts } from '../i18n/index.js';
import { shared, tables } from '../styles.js';
import { changedPart } from '../text-diff.js';
import { ReadingPage } from './reading-page.js';

const PAGE_SIZE = 25;

/** A value as the log shows it: absent means the place did not exist. */
function shown(value: unknown): string {
  return value === undefined ? '–' : typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

export class AuditPage extends ReadingPage {
  static override styles = [shared, tables, css`
    :host { display: block; padding: 1rem 1.5rem; }
    h1 { margin: 0 0 0.5rem; font-size: 1.6em; }
    pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; font-size: 0.85em; max-height: 16rem; overflow: auto; }
    .change { margin: 0.3rem 0; }
    .before { background: #fdecee; padding: 0.2rem 0.4rem; }
    .after { background: #e8f5ea; padding: 0.2rem 0.4rem; }
    .label { font-size: 0.8em; font-weight: 600; }
    .error { color: var(--alarm); }
    .more { margin-top: 1rem; }
  `];

  private records: AuditRecord[] = [];
  private next: number | undefined;
  private loaded = false;

  override render(): unknown {
    const t = texts();
    return html`
      <h1>${t.auditTitle}</h1>
      ${this.readFailure()}
      ${this.loaded && this.records.length === 0 ? html`<p>${t.auditEmpty}</p>` : ''}
      ${this.records.length === 0 ? '' : html`
        <div class="table-wrap"><table data-table="audit">
          <thead><tr><th scope="col">${t.auditWhen}</th><th scope="col">${t.auditWho}</th><th scope="col">${t.auditWhat}</th><th scope="col">${t.auditChanges}</th></tr></thead>
          <tbody>${this.records.map((r) => html`
            <tr data-version=${r.version}>
              <td>${dateTime(new Date(r.at))}</td>
              <td>${r.actor}</td>
              <td>${r.summary}</td>
              <td>${r.changes.length === 0 ? '' : html`<details>
                <summary>${t.auditChangedPlaces(r.changes.length)}</summary>
                ${r.changes.map((c) => this.change(c))}
              </details>`}</td>
            </tr>`)}
          </tbody>
        </table></div>
        ${this.next === undefined ? '' : html`<button type="button" class="more" @click=${this.load}>${t.auditOlder}</button>`}`}`;
  }

  /** A text changed in a few lines (a flow) shows just those lines; other values whole. */
  private change(c: AuditRecord['changes'][number]): unknown {
    const t = texts();
    const part = typeof c.before === 'string' && typeof c.after === 'string' ? changedPart(c.before, c.after) : undefined;
    return html`<div class="change">
      <strong>${c.path}</strong>${part && part.fromLine > 1 ? html` <span class="label">${t.auditFromLine(part.fromLine)}</span>` : ''}
      <div class="before"><span class="label">${t.auditBefore}</span><pre>${part ? part.before : shown(c.before)}</pre></div>
      <div class="after"><span class="label">${t.auditAfter}</span><pre>${part ? part.after : shown(c.after)}</pre></div>
    </div>`;
  }

  protected override async read(): Promise<void> {
    try {
      const page = await readAudit(PAGE_SIZE, this.next);
      this.records = [...this.records, ...page.records];
      this.next = page.next;
    } finally {
      this.loaded = true;
    }
  }
}

customElements.define('vx-audit-page', AuditPage);
