/**
 * The softphone's call in progress: hang up, microphone off, hold (the
 * caller hears music), the keypad (RFC 4733 tones, for a menu at the far
 * end) and a blind transfer to an extension, a service number (its queue)
 * or a phone number. Each acts on the softphone (./softphone.ts); what it
 * cannot do is said beside the control.
 */
import { css, html, LitElement } from 'lit';
import { LanguageController, texts } from '../i18n/index.js';
import { shared } from '../styles.js';
import { DIALLABLE, DTMF_KEYS, type Softphone } from './softphone.js';

export class DeskCallControls extends LitElement {
  static override properties = { phone: { attribute: false } };
  declare phone: Softphone;

  static override styles = [shared, css`
    :host { display: grid; gap: 0.8rem; }
    .row { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; }
    .keypad { display: grid; grid-template-columns: repeat(3, 3rem); gap: 0.3rem; }
    .keypad button { padding: 0.5em 0; font-variant-numeric: tabular-nums; }
    input { font: inherit; padding: 0.3em 0.4em; border: 1px solid var(--muted); border-radius: 4px; width: 12rem; }
    button.end { border-color: var(--alarm); background: var(--alarm); color: #ffffff; }
    button[aria-pressed='true'] { background: var(--accent); color: #ffffff; }
    .error { color: var(--alarm); }
    .sent { color: var(--muted); font-variant-numeric: tabular-nums; }
  `];

  private readonly language = new LanguageController(this);
  private muted = false;
  private held = false;
  private keys = '';
  private error: string | undefined;

  override render(): unknown {
    const t = texts();
    return html`
      <div class="row">
        <button type="button" class="end" @click=${() => this.phone.hangUp()}>${t.deskHangUp}</button>
        <button type="button" aria-pressed=${String(this.muted)} @click=${this.toggleMute}>${t.deskMute}</button>
        <button type="button" aria-pressed=${String(this.held)} @click=${this.toggleHold}>${t.deskHold}</button>
      </div>
      <div>
        <div class="keypad" role="group" aria-label=${t.deskKeypad}>
          ${DTMF_KEYS.map((k) => html`<button type="button" @click=${() => this.press(k)}>${k}</button>`)}
        </div>
        <span class="sent" aria-live="polite">${this.keys}</span>
      </div>
      <form class="row" @submit=${this.transfer}>
        <label for="transfer-to">${t.deskTransferTo}</label>
        <input id="transfer-to" name="to" inputmode="tel" autocomplete="off" aria-describedby="transfer-error">
        <button type="submit">${t.deskTransfer}</button>
      </form>
      <span id="transfer-error" class="error" role="alert">${this.error ?? ''}</span>`;
  }

  private toggleMute(): void {
    this.muted = !this.muted;
    this.phone.mute(this.muted);
    this.requestUpdate();
  }

  private async toggleHold(): Promise<void> {
    const held = !this.held;
    try {
      await this.phone.hold(held);
      this.held = held;
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

  private async transfer(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const to = this.renderRoot.querySelector<HTMLInputElement>('#transfer-to')!.value.trim();
    if (!DIALLABLE.test(to)) {
      this.error = texts().deskBadNumber;
      this.requestUpdate();
      return;
    }
    try {
      await this.phone.transfer(to);
      this.error = undefined;
    } catch {
      this.error = texts().deskTransferFailed;
    }
    this.requestUpdate();
  }

  /** The softphone's far end refused the transfer: said beside the field. */
  transferRefused(): void {
    this.error = texts().deskTransferFailed;
    this.requestUpdate();
  }
}

customElements.define('vx-desk-call-controls', DeskCallControls);
