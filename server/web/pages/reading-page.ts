/**
 * An administration page that reads what it shows from the API when it is
 * put on screen, and again when something on it changed (`load`, also a
 * handler for a row's `changed` event). What could not be read is said at
 * the top (`readFailure`) until a later read succeeds. Texts follow the
 * chosen language.
 */
import { html, LitElement } from 'lit';
import { failureText } from '../failure.js';
import { LanguageController } from '../i18n/index.js';

export abstract class ReadingPage extends LitElement {
  private readonly language = new LanguageController(this);
  protected error: string | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  /** Reads what the page shows into its fields; throws what the request failed with. */
  protected abstract read(): Promise<void>;

  protected readonly load = async (): Promise<void> => {
    try {
      await this.read();
      this.error = undefined;
    } catch (err) {
      this.error = failureText(err);
    }
    this.requestUpdate();
  };

  protected readFailure(): unknown {
    return this.error ? html`<p class="error" role="alert">${this.error}</p>` : '';
  }
}
