/**
 * The queue monitor (kömonitor): per queue the callers in line, the longest
 * and the estimated wait, the agents by state and today's figures (service
 * level, answered, abandoned, callbacks: ../live/today.ts); per service the
 * same, its callers in line counted from the waiting list; then everyone
 * waiting and every agent. Live from the events socket
 * (../live/connection.ts); times tick here every second. A wait over the
 * queue's target is red.
 *
 * Supervisors act on agents from their rows (./agent-actions.ts).
 *
 * The wall-screen mode (`wall` set by the app from ?wall=1 or the button)
 * is the same page in large type on a dark background, to be read across a
 * room, without the agents' buttons.
 */
import { css, html, LitElement } from 'lit';
import { clockTime, duration } from '../format.js';
import { LanguageController, texts } from '../i18n/index.js';
import { pausedText } from '../pause-reason.js';
import type { Board, WaitingCaller } from '../live/board.js';
import { LiveConnection } from '../live/connection.js';
import { overTarget } from '../live/target.js';
import { TodayFigures } from '../live/today.js';
import type { AgentState, QueueLive } from '../live/wire.js';
import { shared } from '../styles.js';
import './agent-actions.js';
import type { ShortfallBanner } from './shortfall-banner.js';
import './shortfall-banner.js';

export class QueueMonitor extends LitElement {
  static override properties = { wall: { type: Boolean, reflect: true } };
  declare wall: boolean;

  static override styles = [shared, css`
    :host { display: block; padding: 1rem 1.5rem; }
    :host([wall]) {
      --fg: #f5f5f5; --bg: #101418; --muted: #c0c6cc; --line: #3a424a; --panel: #1c232b;
      --alarm: #ff7070; --ok: #6fdc8c; --accent: #8cc4ff;
      background: var(--bg);
      min-height: 100vh;
      box-sizing: border-box;
      font-size: 1.6rem;
    }
    header { display: flex; flex-wrap: wrap; align-items: center; gap: 1rem; justify-content: space-between; }
    h1 { margin: 0; font-size: 1.6em; }
    h2 { font-size: 1.2em; margin: 1.5rem 0 0.5rem; }
    .status { color: var(--muted); }
    .status.reconnecting { color: var(--alarm); font-weight: 600; }
    .queues { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fill, minmax(min(20rem, 100%), 1fr)); margin-top: 1rem; }
    :host([wall]) .queues { grid-template-columns: repeat(auto-fill, minmax(min(28rem, 100%), 1fr)); }
    .queue { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 0.8rem 1rem; }
    .queue h3 { margin: 0 0 0.5rem; font-size: 1.15em; }
    .figures { display: grid; grid-template-columns: repeat(3, 1fr); gap: 0.5rem 1rem; }
    .figures.today { grid-template-columns: repeat(4, 1fr); }
    .figures.today .value { font-size: 1.5em; }
    .queue h4 { margin: 0.8rem 0 0.3rem; font-size: 0.9em; color: var(--muted); font-weight: 600; }
    .figure .value { font-size: 2em; font-weight: 700; font-variant-numeric: tabular-nums; }
    .figure .label { color: var(--muted); font-size: 0.85em; }
    .alarm .value, .alarm .note, td.alarm { color: var(--alarm); font-weight: 700; }
    .note { font-size: 0.8em; color: var(--muted); }
    .agents { display: flex; flex-wrap: wrap; gap: 0.3rem 1rem; margin: 0.6rem 0 0; padding: 0; list-style: none; font-size: 0.95em; }
    .agents b { font-variant-numeric: tabular-nums; }
    table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
    th, td { text-align: left; padding: 0.35em 0.6em; border-bottom: 1px solid var(--line); }
    th { color: var(--muted); font-weight: 600; }
    tbody th { color: inherit; }
    :host([wall]) [data-table="services"] td { font-weight: 700; }
    .table-wrap { overflow-x: auto; }
    .state-ready { color: var(--ok); font-weight: 600; }
    .state-paused, .state-logged-out { color: var(--muted); }
    .empty { color: var(--muted); }
    .vip { font-weight: 700; padding: 0 0.4em; border: 2px solid currentColor; border-radius: 4px; }
    /* A phone held up as a wall screen: the big figures as big as three side by side allow, today's two by two. */
    @media (max-width: 600px) {
      :host([wall]) { font-size: 1.15rem; padding: 0.8rem; }
      /* Room for a wait of ten minutes or more ("12:34") in each of three columns. */
      :host([wall]) .figure .value { font-size: 1.7em; }
      .figures.today { grid-template-columns: repeat(2, 1fr); }
    }
  `];

  private readonly language = new LanguageController(this);
  private connection: LiveConnection | undefined;
  private today: TodayFigures | undefined;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private lastChange = new Date();

  constructor() {
    super();
    this.wall = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.today = new TodayFigures(() => this.requestUpdate());
    this.connection = new LiveConnection((event) => {
      if (event?.type === 'call-ended') this.today?.callEnded();
      if (event?.type === 'staffing-shortfall') this.renderRoot.querySelector<ShortfallBanner>('vx-shortfall-banner')?.heard(event.shortfall);
      this.lastChange = new Date();
      this.requestUpdate();
    }, () => this.dispatchEvent(new Event('session-ended', { bubbles: true, composed: true })));
    this.ticker = setInterval(() => this.requestUpdate(), 1_000);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.connection?.stop();
    this.today?.stop();
    clearInterval(this.ticker);
  }

  override render(): unknown {
    const t = texts();
    const connection = this.connection!;
    const board = connection.board;
    const now = Date.now();
    const status = connection.status === 'live' ? `${t.connected} · ${t.updatedAt(clockTime(this.lastChange))}` : t.reconnecting;
    return html`
      <header>
        <h1>${t.monitorTitle}</h1>
        <span class="status ${connection.status}" role="status">${status}</span>
        <button type="button" aria-pressed=${String(this.wall)} @click=${this.toggleWall}>${this.wall ? t.leaveWallMode : t.wallMode}</button>
      </header>
      <vx-shortfall-banner .names=${new Map(board.queueList().map((q) => [q.id, q.name]))}></vx-shortfall-banner>
      <section class="queues" aria-label=${t.monitorTitle}>
        ${board.queueList().map((q) => this.queueCard(board, q, now))}
        ${board.queueList().length === 0 && connection.status === 'live' ? html`<p class="empty">${t.noQueues}</p>` : ''}
      </section>
      ${this.serviceTable(board.waitingCallers(now))}
      ${this.waitingTable(board, now)}
      ${this.agentTable(board, now)}`;
  }

  private queueCard(board: Board, queue: QueueLive, now: number): unknown {
    const t = texts();
    const longest = board.longestWaitSeconds(queue.id, now);
    const target = this.today!.targetSeconds(queue.id);
    const late = overTarget(longest, target);
    const a = queue.agents;
    const count = (label: string, n: number): unknown => html`<li>${label} <b>${n}</b></li>`;
    return html`
      <article class="queue" data-queue=${queue.id} aria-labelledby="queue-${queue.id}">
        <h3 id="queue-${queue.id}">${queue.name}</h3>
        <div class="figures">
          <div class="figure"><div class="value" data-figure="waiting">${board.inLine(queue)}</div><div class="label">${t.waitingNow}</div></div>
          <div class="figure ${late ? 'alarm' : ''}">
            <div class="value" data-figure="longest">${duration(longest)}</div>
            <div class="label">${t.longestWait}</div>
            ${late ? html`<div class="note">${t.overTarget(duration(target))}</div>` : ''}
          </div>
          <div class="figure">
            <div class="value">${queue.estimatedWaitSeconds === null ? '–' : duration(queue.estimatedWaitSeconds)}</div>
            <div class="label">${t.estimatedWait}</div>
            ${queue.estimatedWaitSeconds === null ? html`<div class="note">${t.noEstimate}</div>` : ''}
          </div>
        </div>
        <ul class="agents" aria-label=${t.agents}>
          ${count(t.agentsReady, a.ready)}
          ${count(t.agentsBusy, a.busy + a.reserved)}
          ${count(t.agentsWrapUp, a['wrap-up'])}
          ${count(t.agentsPaused, a.paused)}
          ${count(t.agentsLoggedOut, a['logged-out'])}
        </ul>
        ${this.todayFigures(queue.id, target)}
      </article>`;
  }

  private todayFigures(queueId: string, target: number): unknown {
    const t = texts();
    const today = this.today!.of(queueId);
    if (!today) return '';
    const figure = (name: string, value: string | number, label: string): unknown =>
      html`<div class="figure"><div class="value" data-figure=${name}>${value}</div><div class="label">${label}</div></div>`;
    return html`
      <h4>${t.today}</h4>
      <div class="figures today">
        ${figure('service-level', today.serviceLevel === null ? '–' : `${Math.round(today.serviceLevel * 100)}%`, t.serviceLevel(duration(target)))}
        ${figure('answered', today.answered, t.answeredToday)}
        ${figure('abandoned', today.abandoned, t.abandonedToday)}
        ${figure('callbacks', `${today.callbacksCompleted}/${today.callbacksRequested}`, t.callbacksToday)}
      </div>`;
  }

  /** Each service's callers in line and its figures today; a wait over its caller's queue target is red. */
  private serviceTable(waiting: readonly WaitingCaller[]): unknown {
    const t = texts();
    const services = this.today!.services;
    if (services.length === 0) return '';
    const percent = (level: number | null): string => (level === null ? '–' : `${Math.round(level * 100)}%`);
    return html`
      <h2 id="services-heading">${t.servicesToday}</h2>
      <div class="table-wrap"><table aria-labelledby="services-heading" data-table="services">
        <thead><tr><th scope="col">${t.service}</th><th scope="col">${t.waitingNow}</th><th scope="col">${t.longestWait}</th>
          <th scope="col">${t.serviceLevelToday}</th><th scope="col">${t.offeredToday}</th><th scope="col">${t.answeredToday}</th>
          <th scope="col">${t.answeredInTargetToday}</th><th scope="col">${t.abandonedToday}</th><th scope="col">${t.shortAbandonedToday}</th>
          <th scope="col">${t.callbacksToday}</th></tr></thead>
        <tbody>${services.map((day) => {
          const callers = waiting.filter((w) => w.call.service === day.service);
          const longest = Math.max(0, ...callers.map((w) => w.waitSeconds));
          const late = callers.some((w) => w.call.queueId !== null && overTarget(w.waitSeconds, this.today!.targetSeconds(w.call.queueId)));
          return html`
            <tr data-service=${day.service}>
              <th scope="row">${day.service}</th>
              <td data-figure="waiting">${callers.length}</td>
              <td data-figure="longest" class=${late ? 'alarm' : ''}>${duration(longest)}</td>
              <td data-figure="service-level">${percent(day.serviceLevel)}</td>
              <td data-figure="offered">${day.offered}</td>
              <td data-figure="answered">${day.answered}</td>
              <td data-figure="answered-in-target">${day.answeredInTarget}</td>
              <td data-figure="abandoned">${day.abandoned}</td>
              <td data-figure="short-abandoned">${day.shortAbandoned}</td>
              <td data-figure="callbacks">${day.callbacksCompleted}/${day.callbacksRequested}</td>
            </tr>`;
        })}
        </tbody>
      </table></div>`;
  }

  private waitingTable(board: Board, now: number): unknown {
    const t = texts();
    const rows = board.waitingCallers(now);
    return html`
      <h2 id="waiting-heading">${t.waitingCallers}</h2>
      ${rows.length === 0 ? html`<p class="empty">${t.noWaitingCallers}</p>` : html`
        <div class="table-wrap"><table aria-labelledby="waiting-heading" data-table="waiting">
          <thead><tr><th scope="col">${t.position}</th><th scope="col">${t.queue}</th><th scope="col">${t.service}</th>
            <th scope="col">${t.dialled}</th><th scope="col">${t.caller}</th><th scope="col">${t.wait}</th><th scope="col">${t.vip}</th></tr></thead>
          <tbody>${rows.map((r) => html`
            <tr data-call=${r.call.callId}>
              <td>${r.position}</td><td>${r.queueName}</td><td>${r.call.service}</td>
              <td>${r.call.dialled}</td><td>${r.call.caller}</td>
              <td class=${r.call.queueId !== null && overTarget(r.waitSeconds, this.today!.targetSeconds(r.call.queueId)) ? 'alarm' : ''}>${duration(r.waitSeconds)}</td>
              <td>${r.call.vip ? html`<span class="vip">${t.vip}</span>` : ''}</td>
            </tr>`)}
          </tbody>
        </table></div>`}`;
  }

  private agentTable(board: Board, now: number): unknown {
    const t = texts();
    const agents = board.agentList(now);
    const stateText = (state: AgentState): string => t[`state_${state}`];
    return html`
      <h2 id="agents-heading">${t.agents}</h2>
      ${agents.length === 0 ? html`<p class="empty">${t.noAgents}</p>` : html`
        <div class="table-wrap"><table aria-labelledby="agents-heading" data-table="agents">
          <thead><tr><th scope="col">${t.agent}</th><th scope="col">${t.state}</th><th scope="col">${t.timeInState}</th>
            <th scope="col">${t.currentCall}</th>${this.wall ? '' : html`<th scope="col">${t.actions}</th>`}</tr></thead>
          <tbody>${agents.map(({ agent, secondsInState }) => html`
            <tr data-agent=${agent.id}>
              <td>${agent.name}</td>
              <td class="state-${agent.state}">${agent.state === 'paused' && agent.pauseReason ? pausedText(agent.pauseReason) : stateText(agent.state)}</td>
              <td>${duration(secondsInState)}</td>
              <td>${agent.call ? [agent.call.caller, agent.call.service].filter(Boolean).join(' · ') : ''}</td>
              ${this.wall ? '' : html`<td><vx-agent-actions .agent=${agent}></vx-agent-actions></td>`}
            </tr>`)}
          </tbody>
        </table></div>`}`;
  }

  private toggleWall(): void {
    this.dispatchEvent(new CustomEvent<boolean>('wall-mode', { detail: !this.wall, bubbles: true, composed: true }));
  }
}

customElements.define('vx-queue-monitor', QueueMonitor);
