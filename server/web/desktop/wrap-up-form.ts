/**
 * The wrap-up after a call: the time left of the queue's wrap-up, the case
 * type (ärendetyp) from the list of the queue the call came through, a
 * note, save, and ready now to end the wrap-up early. Read when it appears
 * (the call and its queue's list as the product says now); saved whole
 * through the agent's wrap-up route, and saved again if the agent changes
 * their mind before the wrap-up is over. A refused code (the queue's list
 * changed meanwhile) is said beside the field.
 */
import { css, html, LitElement } from 'lit';
import type { WRAP_UP_NOTE_MAX } from '../../api/wrap-up-routes.js';
import { actOnAgent } from '../api.js';
import { failureText } from '../failure.js';
import { duration } from '../format.js';
import { LanguageController, texts } from '../i18n/index.js';
import { formProblem, type FormProblem } from '../pages/form-problem.js';
import { shared } from '../styles.js';
import { saveWrapUp, wrapUpChoice, type WrapUpChoice } from './desk-api.js';

/** The product's limit, typed by its constant: a change there no longer compiles here. */
const NOTE_MAX: typeof WRAP_UP_NOTE_MAX = 500;
const FIELDS = ['caseType', 'note'] as const;

export class DeskWrapUpForm extends LitElement {
  static override properties = { agentId: { attribute: false }, now: { attribute: false } };
  declare agentId: string;
  /** The page's clock, ticking each second. */
  declare now: number;

  static override styles = [shared, css`
    :host { display: block; }
    .left { font-size: 1.3rem; font-weight: 700; font-variant-numeric: tabular-nums; margin: 0 0 0.6rem; }
    form { display: grid; gap: 0.3rem; }
    label { font-weight: 600; margin-top: 0.4rem; }
    select, textarea { font: inherit; padding: 0.3em 0.4em; border: 1px solid var(--muted); border-radius: 4px; background: var(--bg); color: var(--fg); }
    textarea { min-height: 4.5rem; resize: vertical; }
    .row { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; margin-top: 0.6rem; }
    .error { color: var(--alarm); }
    .ok { color: var(--ok); }
    .muted { color: var(--muted); }
  `];

  private readonly language = new LanguageController(this);
  private choice: WrapUpChoice | undefined;
  /** When the choice was read (this page's clock): the time left counts down from then. */
  private readAt = 0;
  private loadError: string | undefined;
  private problem: FormProblem | undefined;
  private saved: string | undefined;
  private busy = false;
  private readyError: string | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      this.choice = await wrapUpChoice(this.agentId);
      this.readAt = Date.now();
    } catch (err) {
      this.loadError = failureText(err);
    }
    this.requestUpdate();
  }

  override render(): unknown {
    const t = texts();
    const choice = this.choice;
    const ready = html`
      <button type="button" ?disabled=${this.busy} @click=${this.readyNow}>${t.wrapUpReadyNow}</button>
      <span class="error" role="alert">${this.readyError ?? ''}</span>`;
    if (!choice) {
      return this.loadError === undefined
        ? html`<p class="muted">${t.loading}</p>`
        : html`<p class="error" role="alert">${this.loadError}</p><div class="row">${ready}</div>`;
    }
    // The page's tick may be from just before the read.
    const elapsed = Math.max(0, Math.floor((this.now - this.readAt) / 1000));
    const left = choice.secondsLeft === null ? undefined : Math.max(0, choice.secondsLeft - elapsed);
    const fieldError = (field: (typeof FIELDS)[number]): string => (this.problem?.field === field ? this.problem.message : '');
    return html`
      ${left === undefined ? '' : html`<p class="left" data-wrap-up-left>${t.wrapUpTimeLeft(duration(left))}</p>`}
      ${choice.caseTypes.length === 0 ? html`<p class="muted">${t.wrapUpNoCaseTypes}</p><div class="row">${ready}</div>` : html`
        <form @submit=${this.save}>
          <label for="case-type">${t.wrapUpCaseType}</label>
          <select id="case-type" name="caseType" required aria-describedby="case-type-error" aria-invalid=${fieldError('caseType') ? 'true' : 'false'}>
            <option value="">${t.wrapUpChoose}</option>
            ${choice.caseTypes.map((c) => html`<option value=${c.code}>${c.name}</option>`)}
          </select>
          <span id="case-type-error" class="error" role="alert">${fieldError('caseType')}</span>
          <label for="note">${t.wrapUpNote}</label>
          <textarea id="note" name="note" maxlength=${NOTE_MAX} aria-describedby="note-error"></textarea>
          <span id="note-error" class="error" role="alert">${fieldError('note')}</span>
          <div class="row">
            <button type="submit" class="primary" ?disabled=${this.busy}>${t.wrapUpSave}</button>
            ${ready}
          </div>
          <span class="error" role="alert">${this.problem && this.problem.field === undefined ? this.problem.message : ''}</span>
          <span class="ok" role="status">${this.saved === undefined ? '' : t.wrapUpSaved(this.saved)}</span>
        </form>`}`;
  }

  private async save(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const caseType = form.querySelector<HTMLSelectElement>('#case-type')!;
    const note = form.querySelector<HTMLTextAreaElement>('#note')!.value.trim();
    this.busy = true;
    this.problem = undefined;
    this.saved = undefined;
    this.requestUpdate();
    try {
      await saveWrapUp(this.agentId, { caseType: caseType.value, ...(note === '' ? {} : { note }) });
      this.saved = caseType.selectedOptions[0]?.text ?? caseType.value;
    } catch (err) {
      this.problem = formProblem(err, FIELDS, { versioned: false });
      if (this.problem.field !== undefined) form.querySelector<HTMLElement>(this.problem.field === 'caseType' ? '#case-type' : '#note')?.focus();
    } finally {
      this.busy = false;
      this.requestUpdate();
    }
  }

  /** The wrap-up ends now; the new state comes back through the events, and this form goes with it. */
  private async readyNow(): Promise<void> {
    this.busy = true;
    this.readyError = undefined;
    this.requestUpdate();
    try {
      await actOnAgent(this.agentId, { kind: 'ready' });
    } catch (err) {
      this.readyError = failureText(err);
    } finally {
      this.busy = false;
      this.requestUpdate();
    }
  }
}

customElements.define('vx-desk-wrap-up', DeskWrapUpForm);
