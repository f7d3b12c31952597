/**
 * Transferring the softphone's caller: at once (blind) to an extension, a
 * service number (its queue) or a phone number, or after talking first:
 * the caller on hold with music while the agent calls the target, then
 * "connect them" or "back to the caller". One state at a time, each with
 * its one obvious action; what went wrong is said beside the field, and
 * the caller is never lost (a transfer that does not go through leaves
 * them with the agent). Each new state puts the keyboard on its obvious
 * control.
 */
import { css, html, LitElement } from 'lit';
import { LanguageController, texts } from '../i18n/index.js';
import { shared } from '../styles.js';
import { DIALLABLE, type Consultation, type Softphone } from './softphone.js';

type Step =
  | { kind: 'idle' }
  | { kind: 'transferring'; to: string }
  | { kind: 'consulting'; to: string; talking: boolean }
  | { kind: 'joining'; to: string };

export class DeskTransfer extends LitElement {
  static override properties = { phone: { attribute: false } };
  declare phone: Softphone;

  static override styles = [shared, css`
    :host { display: grid; gap: 0.5rem; }
    .row { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; }
    input { font: inherit; padding: 0.3em 0.4em; border: 1px solid var(--muted); border-radius: 4px; width: 12rem; }
    .muted { color: var(--muted); }
    .error { color: var(--alarm); }
  `];

  private readonly language = new LanguageController(this);
  private step: Step = { kind: 'idle' };
  private error: string | undefined;
  /** The state changed: its obvious control (`data-obvious`) takes the focus once drawn. */
  private moveFocus = false;

  /** Whether the agent is talking to someone else than the caller (or about to): the caller's own controls wait. */
  get consulting(): boolean {
    return this.step.kind === 'consulting' || this.step.kind === 'joining';
  }

  override render(): unknown {
    const t = texts();
    const step = this.step;
    return html`
      ${step.kind === 'idle' ? html`
        <form class="row" @submit=${this.transfer}>
          <label for="transfer-to">${t.deskTransferTo}</label>
          <input id="transfer-to" name="to" data-obvious inputmode="tel" autocomplete="off" aria-describedby="transfer-help transfer-error">
          <button type="submit">${t.deskTransfer}</button>
          <button type="button" @click=${this.consult}>${t.deskConsult}</button>
        </form>
        <span id="transfer-help" class="muted">${t.deskTransferHelp}</span>` : ''}
      ${step.kind === 'transferring' ? html`<span role="status">${t.deskTransferring(step.to)}</span>` : ''}
      ${step.kind === 'consulting' ? html`
        <div data-consultation=${step.talking ? 'talking' : 'ringing'} class="row">
          <span role="status">${step.talking ? t.deskConsultTalking(step.to) : t.deskConsultRinging(step.to)}</span>
        </div>
        <div class="row">
          ${step.talking ? html`<button type="button" class="primary" data-obvious @click=${this.connect}>${t.deskConsultConnect}</button>` : ''}
          <button type="button" ?data-obvious=${!step.talking} @click=${this.back}>${t.deskBackToCaller}</button>
        </div>` : ''}
      ${step.kind === 'joining' ? html`<span role="status">${t.deskConsultJoining(step.to)}</span>` : ''}
      <span id="transfer-error" class="error" role="alert">${this.error ?? ''}</span>`;
  }

  override updated(): void {
    if (!this.moveFocus) return;
    this.moveFocus = false;
    this.renderRoot.querySelector<HTMLElement>('[data-obvious]')?.focus();
  }

  /** The transfer did not go through: the caller is still the agent's. */
  transferFailed(status: number): void {
    const t = texts();
    this.error = t.deskTransferNotThrough(t.deskCallFailed(status));
    // A failed join leaves the consultation as it was: the agent may try again or go back.
    this.go(this.step.kind === 'joining' ? { kind: 'consulting', to: this.step.to, talking: true } : { kind: 'idle' });
  }

  /** How the consultation call goes (../desktop/softphone.ts). */
  consultation(c: Consultation): void {
    const step = this.step;
    if (step.kind !== 'consulting' && step.kind !== 'joining') return;
    const t = texts();
    if (c.state === 'talking') this.go({ kind: 'consulting', to: step.to, talking: true });
    else if (c.state === 'joined') this.go({ kind: 'joining', to: step.to });
    else if (c.state === 'ended' && step.kind === 'consulting') {
      this.error = c.failed === undefined ? t.deskConsultEnded(step.to) : t.deskConsultFailed(step.to, t.deskCallFailed(c.failed));
      this.go({ kind: 'idle' });
    }
  }

  private go(step: Step): void {
    this.step = step;
    this.moveFocus = true;
    this.requestUpdate();
    this.dispatchEvent(new CustomEvent('consulting-changed', { bubbles: true, composed: true }));
  }

  /** The number typed, or undefined (and why, beside the field) when it cannot be dialled. */
  private target(): string | undefined {
    const to = this.renderRoot.querySelector<HTMLInputElement>('#transfer-to')!.value.trim();
    if (DIALLABLE.test(to)) return to;
    this.error = texts().deskBadNumber;
    this.requestUpdate();
    return undefined;
  }

  private async transfer(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const to = this.target();
    if (to === undefined) return;
    this.error = undefined;
    this.go({ kind: 'transferring', to });
    await this.attempt(() => this.phone.transfer(to));
  }

  private async consult(): Promise<void> {
    const to = this.target();
    if (to === undefined) return;
    this.error = undefined;
    this.go({ kind: 'consulting', to, talking: false });
    await this.attempt(() => this.phone.consult(to));
  }

  private async connect(): Promise<void> {
    this.error = undefined;
    await this.attempt(() => this.phone.connectConsulted());
  }

  private back(): void {
    this.error = undefined;
    this.phone.backToCaller();
  }

  /** A request the softphone could not even send: said, and back to the start. */
  private async attempt(send: () => Promise<void>): Promise<void> {
    try {
      await send();
    } catch {
      this.error = texts().deskTransferFailed;
      this.go({ kind: 'idle' });
    }
  }
}

customElements.define('vx-desk-transfer', DeskTransfer);
