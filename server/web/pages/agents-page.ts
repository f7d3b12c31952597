/**
 * Agents (for admins and supervisors): every agent with their state and
 * time in it, live from the events (../live/connection.ts), the
 * supervisor's buttons (./agent-actions.ts), and what each is staffed for;
 * "Change" opens their profile as a form (./agent-editor.ts).
 */
import { css, html, LitElement } from 'lit';
import { extensions, type Extension, type Role } from '../api.js';
import { failureText } from '../failure.js';
import { duration } from '../format.js';
import { LanguageController, texts } from '../i18n/index.js';
import { pausedText } from '../pause-reason.js';
import { LiveConnection } from '../live/connection.js';
import { shared } from '../styles.js';
import './agent-actions.js';
import './agent-editor.js';

export class AgentsPage extends LitElement {
  static override properties = { userRole: { attribute: false } };
  declare userRole: Role | undefined;

  static override styles = [shared, css`
    :host { display: block; padding: 1rem 1.5rem; }
    h1 { margin: 0 0 1rem; font-size: 1.6rem; }
    table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
    th, td { text-align: left; padding: 0.35em 0.6em; border-bottom: 1px solid var(--line); vertical-align: top; }
    th { color: var(--muted); font-weight: 600; }
    .table-wrap { overflow-x: auto; margin-bottom: 1.5rem; }
    .state-ready { color: var(--ok); font-weight: 600; }
    .state-paused, .state-logged-out { color: var(--muted); }
    .empty, .status { color: var(--muted); }
    .error { color: var(--alarm); font-weight: 600; }
    /* A narrow screen shows each agent as a card of labelled lines instead of a wide row. */
    @media (max-width: 700px) {
      thead { display: none; }
      table, tbody, tr, td { display: block; }
      tr { border-bottom: 2px solid var(--line); padding: 0.4rem 0; }
      td { border: 0; padding: 0.15em 0; }
      td[data-label]::before { content: attr(data-label) ': '; color: var(--muted); }
    }
  `];

  private readonly language = new LanguageController(this);
  private connection: LiveConnection | undefined;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private profiles = new Map<string, Extension>();
  /** Why the profiles could not be read, if they could not. */
  private profilesProblem: string | undefined;
  private editing: string | undefined;
  private editButton: HTMLElement | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    this.connection = new LiveConnection(() => this.requestUpdate(),
      () => this.dispatchEvent(new Event('session-ended', { bubbles: true, composed: true })));
    this.ticker = setInterval(() => this.requestUpdate(), 1_000);
    void this.loadProfiles();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.connection?.stop();
    clearInterval(this.ticker);
  }

  private async loadProfiles(): Promise<void> {
    try {
      const { value } = await extensions();
      this.profiles = new Map(value.map((e) => [e.extension, e]));
      this.profilesProblem = undefined;
    } catch (err) {
      this.profilesProblem = failureText(err);
    }
    this.requestUpdate();
  }

  override render(): unknown {
    const t = texts();
    const agents = this.connection!.board.agentList(Date.now());
    return html`
      <h1>${t.agentsTitle}</h1>
      ${this.profilesProblem === undefined ? '' : html`<p class="error" role="alert">${this.profilesProblem}</p>`}
      ${agents.length === 0 ? html`<p class="empty">${this.connection!.status === 'live' ? t.noAgents : t.loading}</p>` : html`
        <div class="table-wrap"><table data-table="agents" aria-label=${t.agentsTitle}>
          <thead><tr>
            <th scope="col">${t.agent}</th><th scope="col">${t.extensionNumber}</th><th scope="col">${t.state}</th>
            <th scope="col">${t.timeInState}</th><th scope="col">${t.staffedFor}</th><th scope="col">${t.actions}</th><th scope="col">${t.profile}</th>
          </tr></thead>
          <tbody>${agents.map(({ agent, secondsInState }) => html`
            <tr data-agent=${agent.id}>
              <td><b>${agent.name}</b></td>
              <td data-label=${t.extensionNumber}>${agent.id}</td>
              <td data-label=${t.state} class="state-${agent.state}">${agent.state === 'paused' && agent.pauseReason ? pausedText(agent.pauseReason) : t[`state_${agent.state}`]}</td>
              <td data-label=${t.timeInState}>${duration(secondsInState)}</td>
              <td data-label=${t.staffedFor}>${this.staffedFor(agent.id)}</td>
              <td><vx-agent-actions .agent=${agent}></vx-agent-actions></td>
              <td><button type="button" aria-label=${t.actionFor(t.change, agent.name)} aria-expanded=${String(this.editing === agent.id)}
                @click=${(e: Event) => this.edit(agent.id, e.currentTarget as HTMLElement)}>${t.change}</button></td>
            </tr>`)}
          </tbody>
        </table></div>`}
      ${this.editing === undefined ? '' : html`
        <vx-agent-editor .extensionId=${this.editing} ?admin=${this.userRole === 'admin'}
          @agent-saved=${() => void this.loadProfiles()} @editor-closed=${this.closeEditor}></vx-agent-editor>`}`;
  }

  /** "kort 4, kundtjanst 3 · frontoffice" */
  private staffedFor(id: string): string {
    const agent = this.profiles.get(id)?.agent;
    if (!agent) return '';
    const skills = Object.entries(agent.skills).map(([name, level]) => `${name} ${level}`).join(', ');
    return [skills, agent.groups.join(', ')].filter(Boolean).join(' · ');
  }

  private edit(id: string, button: HTMLElement): void {
    this.editing = id;
    this.editButton = button;
    this.requestUpdate();
  }

  private closeEditor(): void {
    this.editing = undefined;
    this.requestUpdate();
    this.editButton?.focus();
  }
}

customElements.define('vx-agents-page', AgentsPage);
