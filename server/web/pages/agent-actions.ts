/**
 * A supervisor's buttons for one agent on the queue monitor: log in, pause
 * with a reason, ready, log out, as the agent's state allows. The product
 * decides (a pause during a call happens after it); its refusal, such as
 * logging in an agent with no phone registered, is shown beside the buttons.
 * The new state comes to the monitor through the events, like any other.
 */
import { css, html, LitElement } from 'lit';
import type { AgentAction } from '../api.js';
import { AgentActionRunner } from '../agent-action.js';
import { LanguageController, texts } from '../i18n/index.js';
import type { AgentLive } from '../live/wire.js';
import { shared } from '../styles.js';

export class AgentActions extends LitElement {
  static override properties = { agent: { attribute: false } };
  declare agent: AgentLive;

  static override styles = [shared, css`
    :host { display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: center; }
    button { padding: 0.2em 0.7em; }
    form { display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: center; }
    input { font: inherit; padding: 0.2em 0.4em; border: 1px solid var(--muted); border-radius: 4px; width: 10rem; }
    .error { color: var(--alarm); flex-basis: 100%; }
  `];

  private readonly language = new LanguageController(this);
  private pausing = false;
  private readonly action = new AgentActionRunner(this);

  override render(): unknown {
    const t = texts();
    const { state, name } = this.agent;
    const button = (kind: 'login' | 'logout' | 'ready' | 'pause'): unknown => html`
      <button type="button" ?disabled=${this.action.busy} aria-label=${t.actionFor(t[`action_${kind}`], name)}
        @click=${() => (kind === 'pause' ? this.askReason() : this.act({ kind }))}>${t[`action_${kind}`]}</button>`;
    const error = this.action.error === undefined ? '' : html`<span class="error" role="alert">${this.action.error}</span>`;
    if (this.pausing) {
      return html`
        <form @submit=${this.submitPause}>
          <label class="visually-hidden" for="reason">${t.pauseReason}</label>
          <input id="reason" name="reason" required maxlength="100" placeholder=${t.pauseReason}>
          <button type="submit" ?disabled=${this.action.busy}>${t.pauseConfirm}</button>
          <button type="button" @click=${this.cancelPause}>${t.cancel}</button>
        </form>${error}`;
    }
    if (state === 'logged-out') return html`${button('login')}${error}`;
    return html`${state === 'paused' ? button('ready') : button('pause')}${button('logout')}${error}`;
  }

  private askReason(): void {
    this.pausing = true;
    this.action.error = undefined;
    this.requestUpdate();
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLInputElement>('#reason')?.focus());
  }

  private cancelPause(): void {
    this.pausing = false;
    this.action.error = undefined;
    this.requestUpdate();
  }

  private submitPause(event: SubmitEvent): void {
    event.preventDefault();
    const reason = (this.renderRoot.querySelector<HTMLInputElement>('#reason')?.value ?? '').trim();
    if (!reason) {
      this.action.error = texts().requiredField;
      this.requestUpdate();
      return;
    }
    void this.act({ kind: 'pause', reason });
  }

  private async act(action: AgentAction): Promise<void> {
    if (!(await this.action.run(this.agent.id, action))) return;
    this.pausing = false;
    this.requestUpdate();
  }
}

customElements.define('vx-agent-actions', AgentActions);
