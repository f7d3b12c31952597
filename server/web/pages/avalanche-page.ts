/**
 * Avalanche messages (lavinmeddelanden): each message with its switch (one
 * click, on or off now), whom it is for, what it plays, when it is heard,
 * how many callers hear it now, were played it and hung up after it
 * (deflected); then the form to make or change one. Read again every
 * REFRESH_MS while the page is open, so the figures move as calls come.
 * For admins, supervisors and operators.
 */
import { css, html, LitElement } from 'lit';
import { ApiError } from '../api.js';
import { failureText } from '../failure.js';
import { avalancheMessages, switchMessage, type AvalancheMessage } from '../avalanche/avalanche-api.js';
import { LanguageController, texts, language } from '../i18n/index.js';
import { services } from '../services/services-api.js';
import { shared } from '../styles.js';
import '../avalanche/avalanche-form.js';

const REFRESH_MS = 2_000;

export class AvalanchePage extends LitElement {
  static override styles = [shared, css`
    :host { display: block; padding: 1rem 1.5rem; }
    h1 { margin: 0 0 1rem; font-size: 1.6rem; }
    h2 { margin: 1.5rem 0 0.5rem; font-size: 1.3rem; }
    table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
    th, td { text-align: left; padding: 0.35em 0.6em; border-bottom: 1px solid var(--line); vertical-align: top; }
    th { color: var(--muted); font-weight: 600; }
    .table-wrap { overflow-x: auto; }
    button[role='switch'] { min-width: 5.5rem; font-weight: 700; }
    button[role='switch'][aria-checked='true'] { background: var(--ok); border-color: var(--ok); color: #ffffff; }
    .in-force { color: var(--ok); font-weight: 700; }
    .muted { color: var(--muted); }
    .warning { color: var(--alarm); }
    .error { color: var(--alarm); }
  `];

  private readonly language = new LanguageController(this);
  private messages: AvalancheMessage[] | undefined;
  private serviceNames: string[] = [];
  private etag: string | undefined;
  private editing: AvalancheMessage | undefined;
  /** Why the last read failed; cleared by the next that works. */
  private readError: string | undefined;
  /** Why the last switch was refused, beside that message's switch. */
  private switchError: { id: string; text: string } | undefined;
  private switching = new Set<string>();
  private timer: ReturnType<typeof setInterval> | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.loadServices();
    void this.load();
    this.timer = setInterval(() => void this.load(), REFRESH_MS);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this.timer);
  }

  private async loadServices(): Promise<void> {
    try {
      this.serviceNames = (await services()).map((s) => s.service);
    } catch (err) {
      this.readError = failureText(err);
    }
    this.requestUpdate();
  }

  private async load(): Promise<void> {
    try {
      const { value: body, etag } = await avalancheMessages();
      this.messages = body;
      this.etag = etag;
      this.readError = undefined;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        clearInterval(this.timer);
        this.dispatchEvent(new Event('session-ended', { bubbles: true, composed: true }));
        return;
      }
      this.readError = failureText(err);
    }
    this.requestUpdate();
  }

  override render(): unknown {
    const t = texts();
    return html`
      <h1>${t.avalancheTitle}</h1>
      ${this.readError ? html`<p class="error" role="alert">${this.readError}</p>` : ''}
      ${this.messages ? this.table(this.messages) : html`<p>${t.loading}</p>`}
      <h2>${this.editing ? t.changeMessageOf(this.editing.id) : t.newMessage}</h2>
      <vx-avalanche-form .services=${this.serviceNames} .etag=${this.etag} .editing=${this.editing}
        @saved=${this.saved} @stale=${this.load} @cancelled=${this.stopEditing}></vx-avalanche-form>`;
  }

  private table(messages: AvalancheMessage[]): unknown {
    const t = texts();
    if (messages.length === 0) return html`<p>${t.noMessages}</p>`;
    return html`
      <div class="table-wrap"><table aria-label=${t.avalancheTitle} data-table="avalanche">
        <thead><tr>
          <th scope="col">${t.messageSwitch}</th><th scope="col">${t.messageNumber}</th><th scope="col">${t.messageServices}</th>
          <th scope="col">${t.messageRecording}</th><th scope="col">${t.messageWhen}</th><th scope="col">${t.hearingNow}</th>
          <th scope="col">${t.playedCount}</th><th scope="col">${t.deflectedCount}</th><th scope="col">${t.actions}</th>
        </tr></thead>
        <tbody>${messages.map((m) => html`
          <tr data-message=${m.id}>
            <td><button type="button" role="switch" aria-checked=${String(m.on)} ?disabled=${this.switching.has(m.id)}
              aria-label=${t.switchMessage(m.id, m.services.join(', '))} @click=${() => this.toggle(m)}>${m.on ? t.on : t.off}</button>
              ${this.switchError?.id === m.id ? html`<p class="error" role="alert">${this.switchError.text}</p>` : ''}</td>
            <td>${m.id}</td>
            <td>${m.services.join(', ')}</td>
            <td>${m.slot}${m.recorded ? '' : html` <span class="warning">(${t.notRecorded})</span>`}</td>
            <td>${this.when(m)}</td>
            <td data-figure="hearing">${m.hearing.length}</td>
            <td data-figure="played">${m.played}</td>
            <td data-figure="deflected">${m.deflected}</td>
            <td><button type="button" aria-label=${t.changeMessageOf(m.id)} @click=${() => this.startEditing(m)}>${t.change}</button></td>
          </tr>`)}
        </tbody>
      </table></div>`;
  }

  private when(m: AvalancheMessage): unknown {
    const t = texts();
    const format = (iso: string): string => new Date(iso).toLocaleString(language() === 'sv' ? 'sv-SE' : 'en-GB', { dateStyle: 'short', timeStyle: 'short' });
    const span = m.start || m.end ? `${m.start ? format(m.start) : ''} – ${m.end ? format(m.end) : ''}` : t.anyTime;
    return html`${span}<br><span class=${m.inForce ? 'in-force' : 'muted'}>${m.inForce ? t.heardNow : t.notHeardNow}</span>`;
  }

  private async toggle(m: AvalancheMessage): Promise<void> {
    const t = texts();
    this.switching.add(m.id);
    this.switchError = undefined;
    this.requestUpdate();
    try {
      await switchMessage(m.id, !m.on, this.etag);
    } catch (err) {
      const text = err instanceof ApiError && err.status === 409 ? t.changedMeanwhile : failureText(err);
      this.switchError = { id: m.id, text };
    }
    this.switching.delete(m.id);
    await this.load();
  }

  private startEditing(m: AvalancheMessage): void {
    this.editing = m;
    this.requestUpdate();
    void this.updateComplete.then(() => this.renderRoot.querySelector('vx-avalanche-form')?.scrollIntoView({ block: 'start' }));
  }

  private stopEditing(): void {
    this.editing = undefined;
    this.requestUpdate();
  }

  private saved(): void {
    this.editing = undefined;
    void this.load();
  }
}

customElements.define('vx-avalanche-page', AvalanchePage);
