/**
 * One action at a time from a row's controls (an announcement's, a
 * user's): busy while it runs, then "done" in the page's words and the
 * `changed` event for the page to read again, or the failure in words
 * (../failure.ts) beside the controls.
 */
import { html, type ReactiveControllerHost } from 'lit';
import { failureText } from '../failure.js';

export class RowAction {
  busy = false;
  private error: string | undefined;
  private done: string | undefined;

  /** `host` renders again after each change and hears `changed`. */
  constructor(private readonly host: ReactiveControllerHost & EventTarget) {}

  /** Runs `work`; on success says `success` and runs `then` before the host renders again. */
  async run(work: () => Promise<unknown>, success: string, then?: () => void): Promise<void> {
    this.busy = true;
    this.clear();
    try {
      await work();
      then?.();
      this.done = success;
      this.host.dispatchEvent(new Event('changed'));
    } catch (err) {
      this.error = failureText(err);
    } finally {
      this.busy = false;
      this.host.requestUpdate();
    }
  }

  /** A failure found before asking the product (no microphone, say). */
  fail(message: string): void {
    this.error = message;
    this.done = undefined;
    this.host.requestUpdate();
  }

  clear(): void {
    this.error = undefined;
    this.done = undefined;
    this.host.requestUpdate();
  }

  /** The last action's outcome, for the host's template. */
  outcome(): unknown {
    return html`
      ${this.error ? html`<span class="error" role="alert">${this.error}</span>` : ''}
      ${this.done ? html`<span class="done" role="status">${this.done}</span>` : ''}`;
  }
}
