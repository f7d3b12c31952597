/**
 * Queues (admins change them, supervisors read them): the list, and one
 * queue's settings as a form beside the picture of its routing steps
 * (./routing-rings.ts). Saved whole (PUT /queues/{id}) against the version
 * read; the product's message for a bad value beside its field, a 409 as an
 * offer to read it again (./form-problem.ts).
 */
import { css, html, LitElement } from 'lit';
import { keyed } from 'lit/directives/keyed.js';
import type { QueueStepConfig } from '../../../config/schema.js';
import { queue as readQueue, queues as readQueues, replaceQueue, type Queue, type QueueSettings, type Role } from '../api.js';
import { LanguageController, texts } from '../i18n/index.js';
import type { Texts } from '../i18n/sv.js';
import { shared } from '../styles.js';
import { formProblem, type FormProblem } from './form-problem.js';
import './routing-rings.js';

/** The settings that are a number of seconds or a count, in the order the form shows them. */
const NUMBERS = [
  'targetSeconds', 'ringTimeoutSeconds', 'wrapUpSeconds', 'maxMissedOffers', 'personalOverflowSeconds', 'announceEverySeconds',
  'headStartSecondsPerPoint', 'callbackRetrySeconds', 'callbackMaxAttempts', 'callbackRingSeconds',
] as const;
type NumberSetting = (typeof NUMBERS)[number];
const FIELDS: readonly string[] = ['name', 'steps', 'priority', ...NUMBERS];
type StepKind = 'skill' | 'group' | 'everyone';

const kindOf = (step: QueueStepConfig): StepKind => (step.everyone ? 'everyone' : step.group !== undefined ? 'group' : 'skill');

export class QueuesPage extends LitElement {
  static override properties = { userRole: { attribute: false } };
  declare userRole: Role | undefined;

  static override styles = [shared, css`
    :host { display: block; padding: 1rem 1.5rem; }
    h1 { margin: 0 0 1rem; font-size: 1.6rem; }
    h2 { margin: 0 0 0.8rem; font-size: 1.3rem; }
    .list { display: flex; flex-wrap: wrap; gap: 0.5rem; list-style: none; padding: 0; margin: 0 0 1.2rem; }
    .list button[aria-current='true'] { background: var(--accent); color: #ffffff; }
    .layout { display: grid; gap: 1.5rem; grid-template-columns: minmax(0, 40rem) minmax(0, 26rem); align-items: start; }
    @media (max-width: 900px) {
      .layout { grid-template-columns: minmax(0, 1fr); }
      .layout section { order: -1; }
    }
    form, fieldset.whole { display: grid; gap: 0.9rem; grid-template-columns: minmax(0, 1fr); }
    fieldset { border: 1px solid var(--line); border-radius: 4px; padding: 0.6rem 0.8rem; margin: 0; min-width: 0; }
    legend { font-weight: 600; padding: 0 0.3rem; }
    label { display: block; font-weight: 600; }
    input, select { font: inherit; padding: 0.25em 0.4em; border: 1px solid var(--muted); border-radius: 4px; background: var(--bg); color: var(--fg); max-width: 100%; box-sizing: border-box; }
    input[type='number'] { width: 7rem; }
    .step { display: flex; flex-wrap: wrap; gap: 0.4rem 0.6rem; align-items: end; margin-bottom: 0.6rem; }
    .step label { font-weight: 400; font-size: 0.9em; }
    .numbers { display: grid; gap: 0.8rem 1.2rem; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); }
    .hint { color: var(--muted); font-size: 0.9em; margin: 0.2rem 0 0; }
    .error { color: var(--alarm); font-weight: 600; margin: 0.3rem 0 0; }
    .saved { color: var(--ok); font-weight: 600; }
    .buttons { display: flex; flex-wrap: wrap; gap: 0.6rem; align-items: center; }
    .readonly { color: var(--muted); }
    fieldset.whole { border: 0; padding: 0; }
  `];

  private readonly language = new LanguageController(this);
  private list: Queue[] = [];
  private selected: Queue | undefined;
  private etag = '';
  private steps: QueueStepConfig[] = [];
  /** Counts the reads: a new read draws the form afresh, dropping what was typed into the old one. */
  private reads = 0;
  private problem: FormProblem | undefined;
  private saving = false;
  private saved = false;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.loadList();
  }

  private get admin(): boolean {
    return this.userRole === 'admin';
  }

  private async loadList(): Promise<void> {
    try {
      this.list = (await readQueues()).value;
    } catch (err) {
      this.problem = formProblem(err, FIELDS);
    }
    const first = this.list[0];
    if (first) await this.select(first.id);
    this.requestUpdate();
  }

  private async select(id: string): Promise<void> {
    this.problem = undefined;
    this.saved = false;
    try {
      const { value, etag } = await readQueue(id);
      this.selected = value;
      this.reads++;
      this.etag = etag;
      this.steps = value.steps.map((s) => ({ ...s }));
    } catch (err) {
      this.problem = formProblem(err, FIELDS);
    }
    this.requestUpdate();
  }

  override render(): unknown {
    const t = texts();
    const q = this.selected;
    return html`
      <h1>${t.queuesTitle}</h1>
      <ul class="list" aria-label=${t.queuesTitle}>
        ${this.list.map((item) => html`<li><button type="button" aria-current=${String(item.id === q?.id)}
          @click=${() => void this.select(item.id)}>${item.name}</button></li>`)}
      </ul>
      ${q ? html`
        <h2>${q.name}</h2>
        ${this.admin ? '' : html`<p class="readonly">${t.readOnlyForRole}</p>`}
        <div class="layout">
          ${this.form(t, q)}
          <section aria-label=${t.routingPicture}>
            <vx-routing-rings .steps=${this.steps}></vx-routing-rings>
          </section>
        </div>` : html`<p role="status">${this.problem?.message ?? t.loading}</p>`}`;
  }

  private form(t: Texts, q: Queue): unknown {
    return keyed(this.reads, html`
      <form @submit=${this.save} novalidate>
        <fieldset class="whole" ?disabled=${!this.admin}>
          <div>
            <label for="name">${t.queueName}</label>
            <input id="name" name="name" .value=${q.name} aria-describedby="name-error">
            ${this.errorFor('name')}
          </div>
          <fieldset aria-describedby="steps-hint steps-error">
            <legend>${t.routingSteps}</legend>
            <p class="hint" id="steps-hint">${t.routingStepsHint}</p>
            ${this.steps.map((step, i) => this.stepRow(t, step, i))}
            <button type="button" @click=${this.addStep}>${t.addStep}</button>
            ${this.errorFor('steps')}
          </fieldset>
          <div>
            <label for="priority">${t.priorityRule}</label>
            <select id="priority" name="priority" aria-describedby="priority-error">
              <option value="classes" ?selected=${q.priority === 'classes'}>${t.priorityClasses}</option>
              <option value="head-start" ?selected=${q.priority === 'head-start'}>${t.priorityHeadStart}</option>
            </select>
            ${this.errorFor('priority')}
          </div>
          <div class="numbers">
            ${NUMBERS.map((key) => html`
              <div>
                <label for=${key}>${t[`queue_${key}`]}</label>
                <input id=${key} name=${key} type="number" step="1" .value=${q[key] === undefined ? '' : String(q[key])}
                  aria-describedby="${key}-error">
                ${this.errorFor(key)}
              </div>`)}
          </div>
        </fieldset>
        ${this.problem && this.problem.field === undefined ? html`<p class="error" role="alert">${this.problem.message}</p>` : ''}
        ${this.admin ? html`
          <div class="buttons">
            ${this.problem?.conflict
              ? html`<button type="button" class="primary" @click=${() => void this.select(q.id)}>${t.reload}</button>`
              : html`<button type="submit" class="primary" ?disabled=${this.saving}>${t.save}</button>`}
            ${this.saved ? html`<span class="saved" role="status">${t.saved}</span>` : ''}
          </div>` : ''}
      </form>`);
  }

  private stepRow(t: Texts, step: QueueStepConfig, i: number): unknown {
    const kind = kindOf(step);
    const changed = (): void => this.requestUpdate();
    return html`
      <div class="step" data-step=${i}>
        <div>
          <label for="after-${i}">${t.stepAfter}</label>
          <input id="after-${i}" type="number" step="1" .value=${String(step.afterSeconds)}
            @input=${(e: Event) => { step.afterSeconds = Number((e.target as HTMLInputElement).value); changed(); }}>
        </div>
        <div>
          <label for="kind-${i}">${t.stepWho}</label>
          <select id="kind-${i}" @change=${(e: Event) => this.setKind(i, (e.target as HTMLSelectElement).value as StepKind)}>
            <option value="skill" ?selected=${kind === 'skill'}>${t.stepKindSkill}</option>
            <option value="group" ?selected=${kind === 'group'}>${t.stepKindGroup}</option>
            <option value="everyone" ?selected=${kind === 'everyone'}>${t.stepKindEveryone}</option>
          </select>
        </div>
        ${kind === 'everyone' ? '' : html`
          <div>
            <label for="what-${i}">${kind === 'skill' ? t.skillName : t.groupName}</label>
            <input id="what-${i}" .value=${(kind === 'skill' ? step.skill : step.group) ?? ''}
              @input=${(e: Event) => { const v = (e.target as HTMLInputElement).value; if (kind === 'skill') step.skill = v; else step.group = v; changed(); }}>
          </div>`}
        ${kind === 'skill' ? html`
          <div>
            <label for="min-${i}">${t.stepMinLevel}</label>
            <select id="min-${i}" @change=${(e: Event) => { const v = (e.target as HTMLSelectElement).value; if (v) step.minLevel = Number(v) as QueueStepConfig['minLevel']; else delete step.minLevel; changed(); }}>
              <option value="" ?selected=${step.minLevel === undefined}>${t.anyLevel}</option>
              ${[1, 2, 3, 4, 5].map((l) => html`<option value=${l} ?selected=${step.minLevel === l}>${l}</option>`)}
            </select>
          </div>` : ''}
        <button type="button" aria-label=${t.removeStep(i + 1)} @click=${() => this.removeStep(i)}>${t.remove}</button>
      </div>`;
  }

  private setKind(i: number, kind: StepKind): void {
    const { afterSeconds } = this.steps[i]!;
    this.steps[i] = kind === 'everyone' ? { afterSeconds, everyone: true } : kind === 'group' ? { afterSeconds, group: '' } : { afterSeconds, skill: '' };
    this.steps = [...this.steps];
    this.requestUpdate();
  }

  private addStep(): void {
    const last = this.steps[this.steps.length - 1];
    this.steps = [...this.steps, { afterSeconds: last ? last.afterSeconds + 60 : 0, everyone: true }];
    this.requestUpdate();
    const i = this.steps.length - 1;
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLInputElement>(`#after-${i}`)?.focus());
  }

  private removeStep(i: number): void {
    this.steps = this.steps.filter((_, j) => j !== i);
    this.requestUpdate();
  }

  private errorFor(field: string): unknown {
    return this.problem?.field === field
      ? html`<p class="error" id="${field}-error" role="alert">${this.problem.message}</p>`
      : '';
  }

  private settings(form: HTMLFormElement): QueueSettings {
    const data = new FormData(form);
    const numbers: Partial<Record<NumberSetting, number>> = {};
    for (const key of NUMBERS) {
      const raw = String(data.get(key) ?? '').trim();
      if (raw !== '') numbers[key] = Number(raw);
    }
    return {
      name: String(data.get('name') ?? ''),
      steps: this.steps,
      priority: data.get('priority') === 'head-start' ? 'head-start' : 'classes',
      ...numbers,
    } as QueueSettings;
  }

  private async save(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const q = this.selected!;
    this.saving = true;
    this.saved = false;
    this.problem = undefined;
    this.requestUpdate();
    try {
      const next = await replaceQueue(q.id, this.settings(event.target as HTMLFormElement), this.etag);
      this.selected = next.value;
      this.etag = next.etag;
      this.steps = next.value.steps.map((s) => ({ ...s }));
      this.list = this.list.map((item) => (item.id === q.id ? next.value : item));
      this.saved = true;
    } catch (err) {
      this.problem = formProblem(err, FIELDS);
    } finally {
      this.saving = false;
      this.requestUpdate();
    }
  }
}

customElements.define('vx-queues-page', QueuesPage);
