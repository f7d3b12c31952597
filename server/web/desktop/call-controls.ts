/**
 * The softphone's call in progress: hang up, microphone off, hold (the
 * caller hears music), the keypad (RFC 4733 tones, for a menu at the far
 * end) and transfers, blind or after talking first (./transfer-panel.ts).
 * Each acts on the softphone (./softphone.ts); what it cannot do is said
 * beside the control. While the agent talks to the one they consult, the
 * caller's own controls wait (only the microphone stays).
 */
import { css, html, LitElement } from 'lit';
import { LanguageController, texts } from '../i18n/index.js';
import { shared } from '../styles.js';
import { DTMF_KEYS, type Consultation, type Softphone } from './softphone.js';
import './transfer-panel.js';
import type { DeskTransfer } from './transfer-panel.js';

export class DeskCallControls extends LitElement {
  static override properties = { phone: { attribute: false } };
  declare phone: Softphone;

  static override styles = [shared, css`
    :host { display: grid; gap: 0.8rem; }
    .row { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; }
    .keypad { display: grid; grid-template-columns: repeat(3, 3rem); gap: 0.3rem; }
    .keypad button { padding: 0.5em 0; font-variant-numeric: tabular-nums; }
    button.end { border-color: var(--alarm); background: var(--alarm); color: #ffffff; }
    button[aria-pressed='true'] { background: var(--accent); color: #ffffff; }
    .error { color: var(--alarm); }
    .sent { color: var(--muted); font-variant-numeric: tabular-nums; }
  `];

  private readonly language = new LanguageController(this);
  private muted = false;
  private keys = '';
  private error: string | undefined;

  override render(): unknown {
    const t = texts();
    const consulting = this.transferPanel()?.consulting ?? false;
    return html`
      <div class="row">
        ${consulting ? '' : html`<button type="button" class="end" @click=${() => this.phone.hangUp()}>${t.deskHangUp}</button>`}
        <button type="button" aria-pressed=${String(this.muted)} @click=${this.toggleMute}>${t.deskMute}</button>
        ${consulting ? '' : html`<button type="button" aria-pressed=${String(this.phone.held)} @click=${this.toggleHold}>${t.deskHold}</button>`}
      </div>
      ${consulting ? '' : html`<div>
        <div class="keypad" role="group" aria-label=${t.deskKeypad}>
          ${DTMF_KEYS.map((k) => html`<button type="button" @click=${() => this.press(k)}>${k}</button>`)}
        </div>
        <span class="sent" aria-live="polite">${this.keys}</span>
      </div>`}
      <span class="error" role="alert">${this.error ?? ''}</span>
      <vx-desk-transfer .phone=${this.phone} @consulting-changed=${() => this.requestUpdate()}></vx-desk-transfer>`;
  }

  /** A transfer did not go through (./softphone.ts): said beside the transfer's field. */
  transferFailed(status: number): void {
    this.transferPanel()?.transferFailed(status);
  }

  /** How the consultation call goes (./softphone.ts). */
  consultation(c: Consultation): void {
    this.transferPanel()?.consultation(c);
    this.requestUpdate();
  }

  private transferPanel(): DeskTransfer | null | undefined {
    return this.renderRoot?.querySelector<DeskTransfer>('vx-desk-transfer');
  }

  private toggleMute(): void {
    this.muted = !this.muted;
    this.phone.mute(this.muted);
    this.requestUpdate();
  }

  private async toggleHold(): Promise<void> {
    try {
      await this.phone.hold(!this.phone.held);
      this.error = undefined;
    } catch {
      this.error = texts().deskHoldFailed;
    }
    this.requestUpdate();
  }

  private press(key: (typeof DTMF_KEYS)[number]): void {
    if (this.phone.dtmf(key)) {
      this.keys += key;
      this.error = undefined;
    } else {
      this.error = texts().deskKeypadFailed;
    }
    this.requestUpdate();
  }
}

customElements.define('vx-desk-call-controls', DeskCallControls);
