/**
 * The agent's ACD state, always in sight at the top of the desktop, with
 * what they can do from it: log in to the queues, ready, pause with a
 * reason from the configured list, log out of the queues. The product
 * decides (a pause during a call comes after it); its refusal is shown
 * beside the buttons. The new state comes back through the events.
 */
import { css, html, LitElement } from 'lit';
import type { AgentAction } from '../api.js';
import { AgentActionRunner } from '../agent-action.js';
import { LanguageController, texts } from '../i18n/index.js';
import { pausedText } from '../pause-reason.js';
import type { AgentLive } from '../live/wire.js';
import { shared } from '../styles.js';

export class DeskStateBar extends LitElement {
  static override properties = { agent: { attribute: false }, reasons: { attribute: false } };
  declare agent: AgentLive;
  declare reasons: string[];

  static override styles = [shared, css`
    :host { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: center; }
    .state { font-size: 1.3rem; font-weight: 700; }
    .state.ready { color: var(--ok); }
    .state.paused, .state.logged-out { color: var(--muted); }
    form { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; }
    select { font: inherit; padding: 0.3em 0.4em; border: 1px solid var(--muted); border-radius: 4px; background: var(--bg); color: var(--fg); }
    .after { color: var(--muted); }
    .error { color: var(--alarm); flex-basis: 100%; }
  `];

  private readonly language = new LanguageController(this);
  private readonly action = new AgentActionRunner(this);

  override render(): unknown {
    const t = texts();
    const { state, pauseReason } = this.agent;
    const label = state === 'paused' && pauseReason ? pausedText(pauseReason) : t[`state_${state}`];
    const error = this.action.error === undefined ? '' : html`<span class="error" role="alert">${this.action.error}</span>`;
    return html`
      <span class="state ${state}" data-desk-state=${state} aria-live="polite">${label}</span>
      ${state === 'logged-out'
        ? html`<button type="button" class="primary" ?disabled=${this.action.busy} @click=${() => this.act({ kind: 'login' })}>${t.deskLogIn}</button>`
        : html`
          ${state === 'paused' || state === 'wrap-up'
            ? html`<button type="button" class="primary" ?disabled=${this.action.busy} @click=${() => this.act({ kind: 'ready' })}>${t.action_ready}</button>` : ''}
          ${state === 'paused' ? '' : html`
            <form @submit=${this.pause}>
              <label for="reason">${t.pauseReason}</label>
              <select id="reason" name="reason">${this.reasons.map((r) => html`<option>${r}</option>`)}</select>
              <button type="submit" ?disabled=${this.action.busy}>${t.pauseConfirm}</button>
            </form>`}
          <button type="button" ?disabled=${this.action.busy} @click=${() => this.act({ kind: 'logout' })}>${t.deskLogOut}</button>`}
      ${error}`;
  }

  private pause(event: SubmitEvent): void {
    event.preventDefault();
    const reason = this.renderRoot.querySelector<HTMLSelectElement>('#reason')!.value;
    // The page is told, so the pause is no news to the agent when it comes.
    this.dispatchEvent(new CustomEvent('pause-asked', { detail: reason }));
    void this.act({ kind: 'pause', reason });
  }

  private async act(action: AgentAction): Promise<void> {
    await this.action.run(this.agent.id, action);
  }
}

customElements.define('vx-desk-state-bar', DeskStateBar);
