/**
 * The agent desktop (agentskrivbord): the signed-in agent's working
 * surface. Their ACD state always in sight at the top (../desktop/
 * state-bar.ts); the call offered to them with service, number dialled,
 * caller, wait, VIP, callback and the CRM link (../desktop/call-card.ts);
 * the call in progress; the wrap-up after it, with the case type and a
 * note (../desktop/wrap-up-form.ts); notices of missed offers and pauses;
 * their figures today; their colleagues' presence.
 *
 * Calls ring where the agent answers: a desk phone (the page shows the
 * offer while the phone rings, and the call is handled on the phone) or
 * the softphone in this browser (../desktop/softphone.ts), registered with
 * the extension's password, which answers, declines and controls the call
 * from the page. The choice is remembered in this browser.
 *
 * Live from the agent's own events (../desktop/own-events.ts); the
 * colleagues' presence and the figures are read again every
 * REFRESH_SECONDS, and the figures after each call.
 */
import { css, html, LitElement } from 'lit';
import { keyed } from 'lit/directives/keyed.js';
import { duration } from '../format.js';
import { failureText } from '../failure.js';
import { LanguageController, texts } from '../i18n/index.js';
import { pauseReasonText } from '../pause-reason.js';
import type { LiveMessage } from '../live/wire.js';
import { shared } from '../styles.js';
import '../desktop/call-card.js';
import '../desktop/call-controls.js';
import type { DeskCallControls } from '../desktop/call-controls.js';
import { colleagues, desk, softphoneGone, today, type AgentDesk, type AgentTodayBody, type Colleague } from '../desktop/desk-api.js';
import { DeskState, type Notice } from '../desktop/desk-state.js';
import { checkMicrophone, type MicrophoneCheck } from '../desktop/microphone-check.js';
import { OwnEvents } from '../desktop/own-events.js';
import { DIALLABLE, Softphone, softphoneServer, type SoftphoneStatus } from '../desktop/softphone.js';
import '../desktop/state-bar.js';
import '../desktop/wrap-up-form.js';

const REFRESH_SECONDS = 15;
const MODE_KEY = 'vaxel.deskPhone';
type PhoneMode = 'desk' | 'softphone';

export class AgentDesktop extends LitElement {
  static override styles = [shared, css`
    :host { display: block; padding: 0 1.5rem 1.5rem; }
    .bar { position: sticky; top: 0; z-index: 1; background: var(--panel); border-bottom: 1px solid var(--line); margin: 0 -1.5rem 1rem; padding: 0.6rem 1.5rem; }
    h1 { font-size: 1.4rem; margin: 0 0 0.4rem; }
    h2 { font-size: 1.1rem; margin: 0 0 0.6rem; }
    .grid { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(min(22rem, 100%), 1fr)); align-items: start; }
    section { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 0.8rem 1rem; }
    section.offer { border: 3px solid var(--accent); }
    .row { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; margin-top: 0.6rem; }
    fieldset { border: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 0.3rem 1rem; }
    legend { padding: 0; margin-bottom: 0.3rem; font-weight: 600; }
    input[type='password'] { font: inherit; padding: 0.3em 0.4em; border: 1px solid var(--muted); border-radius: 4px; }
    .muted { color: var(--muted); }
    .error { color: var(--alarm); }
    .ok { color: var(--ok); }
    ul { list-style: none; margin: 0; padding: 0; }
    .notices li { display: flex; gap: 0.5rem; align-items: center; justify-content: space-between; padding: 0.3rem 0; border-bottom: 1px solid var(--line); }
    .colleagues li { display: flex; justify-content: space-between; padding: 0.2rem 0; }
    .presence-ready { color: var(--ok); font-weight: 600; }
    .presence-busy { color: var(--accent); font-weight: 600; }
    .figures { display: flex; gap: 2rem; }
    .figure .value { font-size: 1.8rem; font-weight: 700; font-variant-numeric: tabular-nums; }
    .figure .label { color: var(--muted); }
  `];

  private readonly language = new LanguageController(this);
  private desk: AgentDesk | undefined;
  private state: DeskState | undefined;
  private events: OwnEvents | undefined;
  private figures: AgentTodayBody | undefined;
  private others: Colleague[] = [];
  private loadError: string | undefined;
  private now = Date.now();
  private ticker: ReturnType<typeof setInterval> | undefined;
  private refresher: ReturnType<typeof setInterval> | undefined;

  private mode: PhoneMode = localStorage.getItem(MODE_KEY) === 'softphone' ? 'softphone' : 'desk';
  private microphone: MicrophoneCheck | 'checking' | undefined;
  private phone: Softphone | undefined;
  private phoneStatus: SoftphoneStatus | undefined;
  /** The softphone rings (an offer, or a colleague's call). */
  private ringingFrom: string | undefined;
  private inCall = false;
  /** A call from here, ringing the one called. */
  private calling: string | undefined;
  private callError: string | undefined;

  private readonly leaving = (): void => {
    if (this.phone && this.phoneStatus === 'registered') softphoneGone(this.phone.contact);
  };

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('pagehide', this.leaving);
    this.ticker = setInterval(() => {
      this.now = Date.now();
      this.requestUpdate();
    }, 1000);
    void this.start();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('pagehide', this.leaving);
    clearInterval(this.ticker);
    clearInterval(this.refresher);
    this.events?.stop();
    void this.phone?.stop();
  }

  private async start(): Promise<void> {
    try {
      this.desk = await desk();
    } catch (err) {
      this.loadError = failureText(err);
      this.requestUpdate();
      return;
    }
    // Left (signed out) while the desk was read: nothing to follow.
    if (!this.isConnected) return;
    this.state = new DeskState(this.desk.agentId);
    this.events = new OwnEvents(this.state, (event) => this.changed(event), () => this.dispatchEvent(new CustomEvent('session-ended', { bubbles: true, composed: true })));
    this.refresher = setInterval(() => void this.refresh(), REFRESH_SECONDS * 1000);
    await this.refresh();
  }

  private async refresh(): Promise<void> {
    try {
      [this.figures, this.others] = await Promise.all([today(), colleagues()]);
    } catch {
      // Shown as they were; the next refresh tries again.
    }
    this.requestUpdate();
  }

  private changed(event?: LiveMessage): void {
    // A call of the agent's ended: the figures moved.
    if (event?.type === 'call-ended') void this.refresh();
    this.requestUpdate();
  }

  override render(): unknown {
    const t = texts();
    if (this.loadError !== undefined) return html`<p class="error" role="alert">${this.loadError}</p>`;
    const agent = this.state?.agent;
    if (!this.desk || !this.state || !agent) return html`<p class="muted">${t.loading}</p>`;
    return html`
      <div class="bar">
        <h1>${t.deskTitle(agent.name, this.desk.agentId)}</h1>
        <vx-desk-state-bar .agent=${agent} .reasons=${this.desk.pauseReasons}
          @pause-asked=${(e: CustomEvent<string>) => this.state!.pauseAsked(e.detail)}></vx-desk-state-bar>
      </div>
      <div class="grid">
        ${this.offerSection()}
        ${this.callSection()}
        ${this.wrapUpSection()}
        ${this.noticesSection()}
        ${this.phoneSection()}
        ${this.figuresSection()}
        ${this.colleaguesSection()}
      </div>`;
  }

  private offerSection(): unknown {
    const t = texts();
    const offer = this.state!.offer;
    // A colleague's call (no offer from the ACD) rings the softphone too, and is answered here.
    const ringsHere = this.mode === 'softphone' && this.ringingFrom !== undefined;
    if (!offer && !ringsHere) return '';
    return html`
      <section class="offer" data-section="offer" aria-labelledby="offer-title" role="region">
        <h2 id="offer-title">${!offer ? t.deskCallFrom(this.ringingFrom!) : offer.callback ? t.deskCallbackOffered : t.deskOffered}</h2>
        ${offer ? html`<vx-desk-call-card .call=${offer} .crmUrl=${this.desk!.crmUrl} .now=${this.now}></vx-desk-call-card>` : ''}
        ${ringsHere
          ? html`<div class="row">
              <button type="button" class="primary" @click=${() => void this.phone?.answer()}>${t.deskAnswer}</button>
              <button type="button" @click=${() => void this.phone?.decline()}>${t.deskDecline}</button>
            </div>`
          : html`<p class="muted">${this.mode === 'desk' ? t.deskAnswerOnPhone : t.deskSoftphoneNotRinging}</p>`}
      </section>`;
  }

  private callSection(): unknown {
    const t = texts();
    const call = this.state!.current;
    if (!call && !this.inCall) return '';
    return html`
      <section data-section="call" aria-labelledby="call-title">
        <h2 id="call-title">${t.deskInCall}</h2>
        ${call ? html`<vx-desk-call-card .call=${call} .crmUrl=${this.desk!.crmUrl} .now=${this.now}></vx-desk-call-card>` : ''}
        ${this.inCall && this.phone
          ? html`<vx-desk-call-controls .phone=${this.phone}></vx-desk-call-controls>`
          : html`<p class="muted">${t.deskControlOnPhone}</p>`}
      </section>`;
  }

  /** While the agent wraps up after a call: a new form for each wrap-up (keyed by when it began). */
  private wrapUpSection(): unknown {
    const t = texts();
    const agent = this.state!.agent!;
    if (agent.state !== 'wrap-up') return '';
    return html`
      <section data-section="wrap-up" aria-labelledby="wrap-up-title">
        <h2 id="wrap-up-title">${t['state_wrap-up']}</h2>
        ${keyed(agent.since, html`<vx-desk-wrap-up .agentId=${agent.id} .now=${this.now}></vx-desk-wrap-up>`)}
      </section>`;
  }

  private noticesSection(): unknown {
    const t = texts();
    const notices = this.state!.notices;
    const text = (n: Notice): string => n.kind === 'missed-offer'
      ? t.deskMissedOffer(n.caller ?? '–', n.service ?? '–')
      : t.deskPausedNotice(n.reason === undefined ? '–' : pauseReasonText(n.reason));
    return html`
      <section data-section="notices" aria-labelledby="notices-title">
        <h2 id="notices-title">${t.deskNotices}</h2>
        <ul class="notices" role="status">
          ${notices.length === 0 ? html`<li class="muted">${t.deskNoNotices}</li>` : notices.map((n) => html`
            <li data-notice=${n.kind}><span>${text(n)}</span>
              <button type="button" @click=${() => { this.state!.dismiss(n); this.requestUpdate(); }}>${t.close}</button></li>`)}
        </ul>
      </section>`;
  }

  private phoneSection(): unknown {
    const t = texts();
    const status = this.phoneStatus;
    return html`
      <section data-section="phone" aria-labelledby="phone-title">
        <h2 id="phone-title">${t.deskPhone}</h2>
        <fieldset>
          <legend>${t.deskAnswerOn}</legend>
          ${(['desk', 'softphone'] as const).map((m) => html`
            <label><input type="radio" name="mode" .checked=${this.mode === m} ?disabled=${this.inCall} @change=${() => this.setMode(m)}> ${t[`deskMode_${m}`]}</label>`)}
        </fieldset>
        ${this.mode === 'desk' ? html`<p class="muted">${t.deskDeskPhoneHelp}</p>` : html`
          <div class="row">
            <button type="button" @click=${this.checkMicrophone} ?disabled=${this.microphone === 'checking'}>${t.deskCheckMicrophone}</button>
            <span role="status" class=${this.microphone === 'ok' ? 'ok' : 'error'}>${this.microphone && this.microphone !== 'checking' ? t[`deskMicrophone_${this.microphone}`] : ''}</span>
          </div>
          ${status === 'registered' || status === 'connecting'
            ? html`<div class="row"><span class=${status === 'registered' ? 'ok' : 'muted'} role="status" data-softphone=${status}>${t[`deskSoftphone_${status}`]}</span>
                <button type="button" ?disabled=${this.inCall} @click=${this.disconnectPhone}>${t.deskDisconnect}</button></div>
              ${this.dialSection()}`
            : html`<form class="row" @submit=${this.connectPhone}>
                <label for="sip-password">${t.deskExtensionPassword(this.desk!.agentId)}</label>
                <input id="sip-password" type="password" autocomplete="current-password" required aria-describedby="softphone-status">
                <button type="submit" class="primary">${t.deskConnect}</button>
                <span id="softphone-status" role="status" class="error" data-softphone=${status ?? ''}>${status && status !== 'stopped' ? t[`deskSoftphone_${status}`] : ''}</span>
              </form>`}`}
        <audio id="remote-audio" autoplay></audio>
      </section>`;
  }

  /** Calls from the softphone: a number, or a colleague from their row. */
  private dialSection(): unknown {
    const t = texts();
    if (this.calling !== undefined) {
      return html`<div class="row"><span role="status">${t.deskCalling(this.calling)}</span>
        <button type="button" @click=${() => this.phone?.hangUp()}>${t.cancel}</button></div>`;
    }
    if (!this.canDial()) return '';
    return html`
      <form class="row" @submit=${this.dialNumber}>
        <label for="dial">${t.deskDialNumber}</label>
        <input id="dial" name="dial" inputmode="tel" autocomplete="off" aria-describedby="dial-error">
        <button type="submit">${t.deskCall}</button>
        <span id="dial-error" class="error" role="alert">${this.callError ?? ''}</span>
      </form>`;
  }

  private canDial(): boolean {
    return this.mode === 'softphone' && this.phoneStatus === 'registered' && !this.inCall && this.ringingFrom === undefined && this.calling === undefined;
  }

  private dialNumber(event: SubmitEvent): void {
    event.preventDefault();
    const to = this.renderRoot.querySelector<HTMLInputElement>('#dial')!.value.trim();
    if (!DIALLABLE.test(to)) {
      this.callError = texts().deskBadNumber;
      this.requestUpdate();
      return;
    }
    this.dial(to);
  }

  private dial(to: string): void {
    this.callError = undefined;
    this.calling = to;
    this.requestUpdate();
    this.phone?.call(to).catch(() => {
      this.calling = undefined;
      this.callError = texts().deskCallFailed(0);
      this.requestUpdate();
    });
  }

  private figuresSection(): unknown {
    const t = texts();
    const f = this.figures;
    return html`
      <section data-section="today" aria-labelledby="today-title">
        <h2 id="today-title">${t.deskToday}</h2>
        <div class="figures">
          <div class="figure"><div class="value" data-figure="answered">${f?.answered ?? '–'}</div><div class="label">${t.answeredToday}</div></div>
          <div class="figure"><div class="value" data-figure="aht">${f?.averageHandlingSeconds == null ? '–' : duration(f.averageHandlingSeconds)}</div>
            <div class="label">${t.deskAverageHandling}</div></div>
        </div>
      </section>`;
  }

  private colleaguesSection(): unknown {
    const t = texts();
    return html`
      <section data-section="colleagues" aria-labelledby="colleagues-title">
        <h2 id="colleagues-title">${t.deskColleagues}</h2>
        <ul class="colleagues">${this.others.map((c) => html`
          <li data-colleague=${c.agentId}><span>${c.name} (${c.agentId})</span>
            <span><span class="presence-${c.presence}">${t[`deskPresence_${c.presence}`]}</span>
            ${this.canDial() ? html`<button type="button" aria-label=${t.deskCallColleague(c.name)} @click=${() => this.dial(c.agentId)}>${t.deskCall}</button>` : ''}</span></li>`)}
        </ul>
      </section>`;
  }

  private setMode(mode: PhoneMode): void {
    this.mode = mode;
    localStorage.setItem(MODE_KEY, mode);
    if (mode === 'desk') void this.disconnectPhone();
    this.requestUpdate();
  }

  private async checkMicrophone(): Promise<void> {
    this.microphone = 'checking';
    this.requestUpdate();
    this.microphone = await checkMicrophone();
    this.requestUpdate();
  }

  private connectPhone(event: SubmitEvent): void {
    event.preventDefault();
    const password = this.renderRoot.querySelector<HTMLInputElement>('#sip-password')!.value;
    const { softphone, agentId } = this.desk!;
    this.phone = new Softphone({
      server: softphoneServer(softphone.webSocketPort, softphone.secure),
      extension: agentId, domain: softphone.domain, password,
      audio: this.renderRoot.querySelector<HTMLAudioElement>('#remote-audio')!,
    }, {
      status: (s) => { this.phoneStatus = s; this.requestUpdate(); },
      ringing: (from) => { this.ringingFrom = from; this.requestUpdate(); },
      connected: () => { this.ringingFrom = undefined; this.calling = undefined; this.inCall = true; this.requestUpdate(); },
      ended: () => { this.ringingFrom = undefined; this.calling = undefined; this.inCall = false; this.requestUpdate(); },
      callFailed: (status) => {
        // 487: the agent cancelled it, no news to them.
        if (status !== 487) this.callError = texts().deskCallFailed(status);
        this.requestUpdate();
      },
      transferFailed: (status) => this.callControls()?.transferFailed(status),
      consultation: (c) => this.callControls()?.consultation(c),
    });
    void this.phone.start();
  }

  private callControls(): DeskCallControls | null {
    return this.renderRoot.querySelector<DeskCallControls>('vx-desk-call-controls');
  }

  private async disconnectPhone(): Promise<void> {
    const phone = this.phone;
    this.phone = undefined;
    await phone?.stop();
    this.phoneStatus = undefined;
    this.requestUpdate();
  }
}

customElements.define('vx-agent-desktop', AgentDesktop);
