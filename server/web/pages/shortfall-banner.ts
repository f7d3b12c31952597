/**
 * The staffing shortfall banner on the queue monitor: each queue whose
 * agents on the phones have stayed below what its goal needs, or below the
 * plan, for the configured minutes (server/stats/shortfall-monitor.ts).
 * Read at start (GET /staffing/shortfalls), then kept by the events the
 * monitor hands on (`heard`).
 */
import { css, html, LitElement } from 'lit';
import { shortfalls, type ShortfallLive } from '../api-staffing.js';
import { clockTime } from '../format.js';
import { LanguageController, texts } from '../i18n/index.js';
import { shared } from '../styles.js';

export class ShortfallBanner extends LitElement {
  static override properties = { names: { attribute: false } };
  /** Queue id -> its name. */
  declare names: ReadonlyMap<string, string>;

  static override styles = [shared, css`
    :host { display: block; }
    [role='alert'] { margin: 1rem 0 0; padding: 0.6rem 1rem; border: 2px solid var(--alarm); border-radius: 6px; background: var(--panel); }
    h2 { margin: 0 0 0.3rem; font-size: 1.1em; color: var(--alarm); }
    ul { margin: 0; padding-left: 1.2rem; }
  `];

  private readonly language = new LanguageController(this);
  private readonly raised = new Map<string, ShortfallLive>();

  constructor() {
    super();
    this.names = new Map();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // The banner is a help beside the monitor: when it cannot be read, the monitor goes on without it.
    shortfalls().then((list) => {
      for (const s of list) this.raised.set(s.queue, s);
      this.requestUpdate();
    }, () => undefined);
  }

  /** A shortfall alarm started or ended. */
  heard(shortfall: ShortfallLive): void {
    if (shortfall.state === 'started') this.raised.set(shortfall.queue, shortfall);
    else this.raised.delete(shortfall.queue);
    this.requestUpdate();
  }

  override render(): unknown {
    if (this.raised.size === 0) return '';
    const t = texts();
    return html`
      <section role="alert" aria-labelledby="shortfall-heading" data-shortfalls>
        <h2 id="shortfall-heading">${t.shortfallTitle}</h2>
        <ul>${[...this.raised.values()].map((s) => html`
          <li data-queue=${s.queue}>${t.shortfallLine(this.names.get(s.queue) ?? s.queue, s.ready ?? 0, s.needed ?? null, s.planned ?? null, clockTime(new Date(s.since)))}</li>`)}
        </ul>
      </section>`;
  }
}

customElements.define('vx-shortfall-banner', ShortfallBanner);
