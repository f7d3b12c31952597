/**
 * IVR flows (samtalsflöden): pick a flow, see it as a picture of its nodes
 * (./flow-diagram.ts); an admin edits its text. Saving asks the product to
 * check the text first (POST …/validate) and shows each fault with its node
 * and reason; only a text without faults is saved (PUT with If-Match, so a
 * change someone else made meanwhile is not overwritten: the page says so
 * and offers to read the flow again). Supervisors read.
 */
import { css, html, LitElement } from 'lit';
import type { Role, Versioned } from '../api.js';
import { listFlows, readFlow, saveFlow, validateFlow, type FlowSummary, type FlowDetail, type FlowValidation } from '../api-flows.js';
import { LanguageController, texts } from '../i18n/index.js';
import { shared, tables } from '../styles.js';
import { formProblem } from './form-problem.js';
import './flow-diagram.js';

export class FlowsPage extends LitElement {
  static override properties = { userRole: { attribute: false } };
  declare userRole: Role;

  static override styles = [shared, tables, css`
    :host { display: block; padding: 1rem 1.5rem; }
    h1 { margin: 0 0 0.5rem; font-size: 1.6em; }
    h2 { font-size: 1.25em; margin: 1.2rem 0 0.4rem; }
    .pick { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; }
    .pick select { max-width: 100%; }
    .used { color: var(--muted); }
    textarea { width: 100%; box-sizing: border-box; min-height: 24rem; font-family: ui-monospace, monospace; font-size: 0.9rem; }
    .buttons { display: flex; flex-wrap: wrap; gap: 0.5rem; margin: 0.5rem 0; }
    .error, .faults { color: var(--alarm); }
    .ok { color: var(--ok); }
  `];

  private readonly language = new LanguageController(this);
  private flows: FlowSummary[] = [];
  private current: Versioned<FlowDetail> | undefined;
  private editing = false;
  private busy = false;
  private faults: FlowValidation['errors'] = [];
  private error: string | undefined;
  /** Someone else changed the configuration since the flow was read: read it again before saving. */
  private conflict = false;
  private saved = false;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  override render(): unknown {
    const t = texts();
    const flow = this.current?.value;
    return html`
      <h1>${t.flowsTitle}</h1>
      <div class="pick">
        <label for="flow">${t.flowPick}</label>
        <select id="flow" @change=${(e: Event) => this.open((e.target as HTMLSelectElement).value)}>
          ${this.flows.map((f) => html`<option value=${f.name} ?selected=${f.name === flow?.name}>${f.name}${f.description ? ` – ${f.description}` : ''}</option>`)}
        </select>
      </div>
      ${this.error && !this.editing ? html`<p class="error" role="alert">${this.error}</p>` : ''}
      ${flow ? html`
        <p class="used">${flow.default ? `${t.flowDefault} ` : ''}${t.flowUsedBy([...flow.services, ...flow.numbers])}</p>
        ${this.userRole === 'admin' ? this.editor() : ''}
        <h2>${t.flowDiagram}</h2>
        <vx-flow-diagram .nodes=${flow.nodes} start=${flow.start}></vx-flow-diagram>` : ''}`;
  }

  private editor(): unknown {
    const t = texts();
    if (!this.editing) {
      return html`<div class="buttons">
        <button type="button" @click=${this.startEditing}>${t.flowEdit}</button>
        ${this.saved ? html`<span class="ok" role="status">${t.flowSaved}</span>` : ''}
      </div>`;
    }
    const hasFaults = this.faults.length > 0;
    return html`
      <h2><label for="yaml">${t.flowText}</label></h2>
      <textarea id="yaml" spellcheck="false" .value=${this.current!.value.yaml}
        aria-invalid=${String(hasFaults)} aria-describedby=${hasFaults ? 'faults' : ''}></textarea>
      ${hasFaults ? html`<ul id="faults" class="faults" role="alert">${this.faults.map((f) => html`
        <li>${f.node ? t.flowFaultAt(f.node, f.reason) : `${f.file}: ${f.reason}`}</li>`)}</ul>` : ''}
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
      <div class="buttons">
        ${this.conflict
          ? html`<button type="button" class="primary" @click=${() => this.open(this.current!.value.name)}>${t.reload}</button>`
          : html`<button type="button" class="primary" ?disabled=${this.busy} @click=${this.save}>${t.flowCheckAndSave}</button>`}
        <button type="button" ?disabled=${this.busy} @click=${this.cancel}>${t.cancel}</button>
      </div>`;
  }

  private async load(): Promise<void> {
    await this.guard(async () => {
      this.flows = await listFlows();
      const first = this.flows[0];
      if (first) this.current = await readFlow(first.name);
    });
  }

  private async open(name: string): Promise<void> {
    this.editing = false;
    this.saved = false;
    this.faults = [];
    await this.guard(async () => { this.current = await readFlow(name); });
  }

  private startEditing(): void {
    this.editing = true;
    this.saved = false;
    this.requestUpdate();
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLTextAreaElement>('#yaml')?.focus());
  }

  private cancel(): void {
    this.editing = false;
    this.faults = [];
    this.error = undefined;
    this.conflict = false;
    this.requestUpdate();
  }

  private async save(): Promise<void> {
    const yaml = this.renderRoot.querySelector<HTMLTextAreaElement>('#yaml')!.value;
    const { value: flow, etag } = this.current!;
    this.busy = true;
    await this.guard(async () => {
      const check = await validateFlow(flow.name, yaml);
      this.faults = check.errors;
      if (!check.valid) {
        // Keep what was typed: the next render must not put the saved text back.
        this.current = { etag, value: { ...flow, yaml } };
        return;
      }
      this.current = await saveFlow(flow.name, yaml, etag);
      this.editing = false;
      this.saved = true;
    });
    this.busy = false;
    this.requestUpdate();
  }

  private async guard(work: () => Promise<void>): Promise<void> {
    this.error = undefined;
    this.conflict = false;
    try {
      await work();
    } catch (err) {
      const problem = formProblem(err, ['yaml']);
      this.error = problem.message;
      this.conflict = problem.conflict;
    }
    this.requestUpdate();
  }
}

customElements.define('vx-flows-page', FlowsPage);
