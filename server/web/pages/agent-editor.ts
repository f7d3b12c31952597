/**
 * One agent's profile as a form: skills with their levels (1–5), groups and
 * queues, which supervisors and admins change (PATCH .../agent); admins
 * also the name, where the agent answers and the mobile number, saved
 * together with the rest in one change (PUT /extensions/{extension}).
 *
 * Each save is made against the version read: if someone else changed the
 * configuration meanwhile, the product refuses it (409) and the form offers
 * to read it again. The product's message for a bad value is shown beside
 * the field it names (./form-problem.ts).
 */
import { css, html, LitElement } from 'lit';
import { keyed } from 'lit/directives/keyed.js';
import {
  changeStaffing, extension as readExtension, queues as readQueues, replaceExtension,
  type Extension, type Queue, type Staffing,
} from '../api.js';
import { LanguageController, texts } from '../i18n/index.js';
import { shared } from '../styles.js';
import { formProblem, type FormProblem } from './form-problem.js';

const LEVELS = [1, 2, 3, 4, 5] as const;
type Level = (typeof LEVELS)[number];
const FIELDS = ['name', 'answerOn', 'mobile', 'skills', 'groups', 'queues'] as const;

interface SkillRow { name: string; level: Level }

export class AgentEditor extends LitElement {
  static override properties = { extensionId: { attribute: false }, admin: { type: Boolean } };
  declare extensionId: string;
  declare admin: boolean;

  static override styles = [shared, css`
    :host { display: block; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 1rem 1.2rem; }
    h2 { margin: 0 0 0.8rem; font-size: 1.2rem; }
    h2:focus { outline: none; }
    form { display: grid; gap: 1rem; max-width: 40rem; }
    fieldset { border: 1px solid var(--line); border-radius: 4px; padding: 0.6rem 0.8rem; margin: 0; }
    legend { font-weight: 600; padding: 0 0.3rem; }
    label { display: block; font-weight: 600; }
    input, select { font: inherit; padding: 0.25em 0.4em; border: 1px solid var(--muted); border-radius: 4px; background: var(--bg); color: var(--fg); }
    .skill { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; margin-bottom: 0.4rem; }
    .skill label { font-weight: 400; }
    .check { display: flex; gap: 0.4rem; align-items: center; font-weight: 400; }
    .hint { color: var(--muted); font-size: 0.9em; margin: 0.2rem 0 0; }
    .error { color: var(--alarm); font-weight: 600; margin: 0.3rem 0 0; }
    .saved { color: var(--ok); font-weight: 600; }
    .buttons { display: flex; flex-wrap: wrap; gap: 0.6rem; align-items: center; }
  `];

  private readonly language = new LanguageController(this);
  private read: Extension | undefined;
  private etag = '';
  private queueList: Queue[] = [];
  private skills: SkillRow[] = [];
  /** Counts the reads: a new read draws the form afresh, dropping what was typed into the old one. */
  private reads = 0;
  private problem: FormProblem | undefined;
  private saving = false;
  private saved = false;

  constructor() {
    super();
    this.admin = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  override updated(changed: Map<string, unknown>): void {
    if (changed.has('extensionId') && changed.get('extensionId') !== undefined) void this.load();
  }

  private async load(): Promise<void> {
    this.problem = undefined;
    this.saved = false;
    try {
      const [ext, qs] = await Promise.all([readExtension(this.extensionId), readQueues()]);
      this.read = ext.value;
      this.reads++;
      this.etag = ext.etag;
      this.queueList = qs.value;
      this.skills = Object.entries(ext.value.agent?.skills ?? {}).map(([name, level]) => ({ name, level }));
    } catch (err) {
      this.problem = formProblem(err, FIELDS);
    }
    this.requestUpdate();
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('h2')?.focus();
  }

  override render(): unknown {
    const t = texts();
    const ext = this.read;
    if (!ext) return html`<p role="status">${this.problem ? this.problem.message : t.loading}</p>`;
    const agent = ext.agent;
    return html`
      <h2 tabindex="-1">${t.editAgent(ext.name, ext.extension)}</h2>
      ${keyed(this.reads, html`<form @submit=${this.save} novalidate>
        ${this.admin ? html`
          <div>
            <label for="name">${t.agentName}</label>
            <input id="name" name="name" .value=${ext.name} aria-describedby="name-error">
            ${this.errorFor('name')}
          </div>
          <div>
            <label for="answerOn">${t.answerOn}</label>
            <select id="answerOn" name="answerOn" aria-describedby="answerOn-error">
              <option value="phone" ?selected=${agent?.answerOn !== 'mobile'}>${t.answerOnPhone}</option>
              <option value="mobile" ?selected=${agent?.answerOn === 'mobile'}>${t.answerOnMobile}</option>
            </select>
            ${this.errorFor('answerOn')}
          </div>
          <div>
            <label for="mobile">${t.mobileNumber}</label>
            <input id="mobile" name="mobile" type="tel" .value=${ext.mobile ?? ''} aria-describedby="mobile-hint mobile-error">
            <p class="hint" id="mobile-hint">${t.mobileHint}</p>
            ${this.errorFor('mobile')}
          </div>` : ''}
        <fieldset aria-describedby="skills-error">
          <legend>${t.skills}</legend>
          ${this.skills.length === 0 ? html`<p class="hint">${t.noSkills}</p>` : ''}
          ${this.skills.map((skill, i) => html`
            <div class="skill">
              <label for="skill-${i}">${t.skillName}</label>
              <input id="skill-${i}" .value=${skill.name} @input=${(e: Event) => { skill.name = (e.target as HTMLInputElement).value; }}>
              <label for="level-${i}">${t.skillLevel}</label>
              <select id="level-${i}" @change=${(e: Event) => { skill.level = Number((e.target as HTMLSelectElement).value) as Level; }}>
                ${LEVELS.map((l) => html`<option value=${l} ?selected=${l === skill.level}>${l}</option>`)}
              </select>
              <button type="button" aria-label=${t.removeSkill(skill.name)} @click=${() => this.removeSkill(i)}>${t.remove}</button>
            </div>`)}
          <button type="button" @click=${this.addSkill}>${t.addSkill}</button>
          ${this.errorFor('skills')}
        </fieldset>
        <div>
          <label for="groups">${t.groups}</label>
          <input id="groups" name="groups" .value=${(agent?.groups ?? []).join(', ')} aria-describedby="groups-hint groups-error">
          <p class="hint" id="groups-hint">${t.groupsHint}</p>
          ${this.errorFor('groups')}
        </div>
        <fieldset aria-describedby="queues-error">
          <legend>${t.agentQueues}</legend>
          ${this.queueList.map((q) => html`
            <label class="check"><input type="checkbox" name="queues" value=${q.id} ?checked=${agent?.queues.includes(q.id) ?? false}>${q.name}</label>`)}
          ${this.errorFor('queues')}
        </fieldset>
        ${this.problem && this.problem.field === undefined ? html`<p class="error" role="alert">${this.problem.message}</p>` : ''}
        <div class="buttons">
          ${this.problem?.conflict
            ? html`<button type="button" class="primary" @click=${() => void this.load()}>${t.reload}</button>`
            : html`<button type="submit" class="primary" ?disabled=${this.saving}>${t.save}</button>`}
          <button type="button" @click=${this.close}>${t.close}</button>
          ${this.saved ? html`<span class="saved" role="status">${t.saved}</span>` : ''}
        </div>
      </form>`)}`;
  }

  private errorFor(field: (typeof FIELDS)[number]): unknown {
    return this.problem?.field === field
      ? html`<p class="error" id="${field}-error" role="alert">${this.problem.message}</p>`
      : '';
  }

  private addSkill(): void {
    this.skills = [...this.skills, { name: '', level: 3 }];
    this.requestUpdate();
    const i = this.skills.length - 1;
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLInputElement>(`#skill-${i}`)?.focus());
  }

  private removeSkill(i: number): void {
    this.skills = this.skills.filter((_, j) => j !== i);
    this.requestUpdate();
  }

  private staffing(form: HTMLFormElement): Staffing {
    const data = new FormData(form);
    const groups = String(data.get('groups') ?? '').split(',').map((g) => g.trim()).filter(Boolean);
    const skills = Object.fromEntries(this.skills.filter((s) => s.name.trim()).map((s) => [s.name.trim(), s.level]));
    return { skills, groups, queues: data.getAll('queues').map(String) };
  }

  private async save(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const staffing = this.staffing(form);
    this.saving = true;
    this.saved = false;
    this.problem = undefined;
    this.requestUpdate();
    try {
      const next = this.admin ? await this.replace(form, staffing) : await changeStaffing(this.extensionId, staffing, this.etag);
      this.read = next.value;
      this.etag = next.etag;
      this.saved = true;
      this.dispatchEvent(new CustomEvent('agent-saved', { bubbles: true, composed: true }));
    } catch (err) {
      this.problem = formProblem(err, FIELDS);
    } finally {
      this.saving = false;
      this.requestUpdate();
    }
  }

  private replace(form: HTMLFormElement, staffing: Staffing): ReturnType<typeof replaceExtension> {
    const data = new FormData(form);
    const mobile = String(data.get('mobile') ?? '').trim();
    const answerOn = data.get('answerOn') === 'mobile' ? 'mobile' : 'phone';
    const { operator } = this.read!;
    return replaceExtension(this.extensionId, {
      name: String(data.get('name') ?? ''),
      ...(operator === undefined ? {} : { operator }),
      ...(mobile ? { mobile } : {}),
      agent: { ...staffing, answerOn },
    }, this.etag);
  }

  private close(): void {
    this.dispatchEvent(new CustomEvent('editor-closed', { bubbles: true, composed: true }));
  }
}

customElements.define('vx-agent-editor', AgentEditor);
