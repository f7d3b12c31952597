/**
 * The form for one exception to a service's opening hours: from a date
 * (to a date), closed all day, closed from a time, open until a time or
 * open between two times, and a note. The product reads the hours as text
 * ("closed from 15:00"); the form writes that text from the choices, so
 * nobody has to know its words. The product's refusal is shown beside the
 * field it names; a refused exception changes nothing.
 */
import { css, html, LitElement } from 'lit';
import { formProblem } from '../pages/form-problem.js';
import { LanguageController, texts } from '../i18n/index.js';
import { shared } from '../styles.js';
import { saveException, type HoursException } from './services-api.js';

type Kind = 'closed' | 'closed-from' | 'open-until' | 'open';
type Field = 'date' | 'until' | 'hours' | 'note' | 'form';

const KINDS: readonly Kind[] = ['closed', 'closed-from', 'open-until', 'open'];
const FIELDS: readonly Field[] = ['date', 'until', 'hours', 'note'];

/** The choices behind an exception's hours text, for changing one. */
function choicesOf(hours: string): { kind: Kind; from: string; to: string } {
  const spec = hours.trim().toLowerCase();
  const times = spec.match(/[0-9]{1,2}:[0-9]{2}/g) ?? [];
  const kind: Kind = spec.startsWith('closed from') ? 'closed-from' : spec.startsWith('open until') ? 'open-until' : spec.startsWith('open') ? 'open' : 'closed';
  return { kind, from: times[0] ?? '', to: times[1] ?? '' };
}

function hoursText(kind: Kind, from: string, to: string): string {
  switch (kind) {
    case 'closed': return 'closed';
    case 'closed-from': return `closed from ${from}`;
    case 'open-until': return `open until ${from}`;
    case 'open': return `open ${from}-${to}`;
  }
}

export class ExceptionForm extends LitElement {
  static override properties = { service: {}, etag: {}, editing: { attribute: false } };
  declare service: string;
  declare etag: string | undefined;
  /** The exception being changed; undefined: a new one. */
  declare editing: HoursException | undefined;

  static override styles = [shared, css`
    :host { display: block; }
    form { display: grid; gap: 0.8rem; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); align-items: start; }
    label { display: block; font-weight: 600; margin-bottom: 0.2rem; }
    input, select { font: inherit; padding: 0.3em 0.4em; border: 1px solid var(--muted); border-radius: 4px; width: 100%; box-sizing: border-box; }
    input[aria-invalid='true'] { border: 2px solid var(--alarm); }
    .error { color: var(--alarm); margin: 0.2rem 0 0; }
    .times { display: flex; gap: 0.5rem; }
    .buttons { grid-column: 1 / -1; display: flex; gap: 0.5rem; flex-wrap: wrap; }
  `];

  private readonly language = new LanguageController(this);
  private errors: Partial<Record<Field, string>> = {};
  private kind: Kind = 'closed';
  private busy = false;

  override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('editing')) {
      this.kind = this.editing ? choicesOf(this.editing.hours).kind : 'closed';
      this.errors = {};
    }
  }

  override render(): unknown {
    const t = texts();
    const e = this.editing;
    const choices = e ? choicesOf(e.hours) : { from: '', to: '' };
    const error = (field: Field): unknown => this.errors[field] === undefined ? ''
      : html`<p class="error" id="${field}-error" role="alert">${this.errors[field]}</p>`;
    const described = (field: Field): string => (this.errors[field] === undefined ? '' : `${field}-error`);
    const invalid = (field: Field): string => String(this.errors[field] !== undefined);
    const timeField = (id: string, label: string, value: string): unknown => html`
      <div><label for=${id}>${label}</label>
        <input id=${id} name=${id} inputmode="numeric" placeholder=${t.timePlaceholder} .value=${value} required
          aria-invalid=${invalid('hours')} aria-describedby=${described('hours')}></div>`;
    return html`
      <form @submit=${this.submit} aria-label=${e ? t.changeException : t.addException}>
        <div>
          <label for="date">${t.exceptionFrom}</label>
          <input id="date" name="date" type="date" required .value=${e?.date ?? ''} ?readonly=${e !== undefined}
            aria-invalid=${invalid('date')} aria-describedby=${described('date')}>
          ${error('date')}
        </div>
        <div>
          <label for="until">${t.exceptionUntil}</label>
          <input id="until" name="until" type="date" .value=${e?.until ?? ''} aria-invalid=${invalid('until')} aria-describedby=${described('until')}>
          ${error('until')}
        </div>
        <div>
          <label for="kind">${t.exceptionKind}</label>
          <select id="kind" name="kind" @change=${this.kindChanged}>
            ${KINDS.map((k) => html`<option value=${k} ?selected=${k === this.kind}>${t[`exceptionKind_${k}`]}</option>`)}
          </select>
        </div>
        ${this.kind === 'closed' ? '' : html`
          <div>
            <div class="times">
              ${timeField('from', this.kind === 'open' ? t.opensAt : this.kind === 'open-until' ? t.openUntil : t.closesAt, choices.from)}
              ${this.kind === 'open' ? timeField('to', t.closesAt, choices.to) : ''}
            </div>
            ${error('hours')}
          </div>`}
        ${this.kind === 'closed' ? error('hours') : ''}
        <div>
          <label for="note">${t.exceptionNote}</label>
          <input id="note" name="note" maxlength="500" .value=${e?.note ?? ''} aria-invalid=${invalid('note')} aria-describedby=${described('note')}>
          ${error('note')}
        </div>
        <div class="buttons">
          <button type="submit" class="primary" ?disabled=${this.busy}>${e ? t.saveChange : t.addException}</button>
          ${e ? html`<button type="button" @click=${this.cancel}>${t.cancel}</button>` : ''}
        </div>
        ${error('form')}
      </form>`;
  }

  private kindChanged(event: Event): void {
    this.kind = (event.target as HTMLSelectElement).value as Kind;
    this.requestUpdate();
  }

  private cancel(): void {
    this.dispatchEvent(new Event('cancelled'));
  }

  private async submit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const value = (name: string): string => String(form.get(name) ?? '').trim();
    const exception: HoursException = {
      date: value('date'),
      hours: hoursText(this.kind, value('from'), value('to')),
      ...(value('until') ? { until: value('until') } : {}),
      ...(value('note') ? { note: value('note') } : {}),
    };
    this.busy = true;
    this.errors = {};
    this.requestUpdate();
    try {
      await saveException(this.service, exception, this.etag);
      (event.target as HTMLFormElement).reset();
      this.kind = 'closed';
      this.dispatchEvent(new Event('saved'));
    } catch (err) {
      this.failed(err);
    } finally {
      this.busy = false;
      this.requestUpdate();
    }
  }

  private failed(err: unknown): void {
    const problem = formProblem(err, FIELDS);
    this.errors = { [problem.field ?? 'form']: problem.message };
    if (problem.conflict) this.dispatchEvent(new Event('stale'));
  }
}

customElements.define('vx-exception-form', ExceptionForm);
