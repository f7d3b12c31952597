/**
 * Services and numbers: which numbers lead where (the flow a number runs,
 * or the extension it rings, and the service's queue), and the chosen
 * service's opening hours (../services/service-hours.ts). For admins,
 * supervisors and operators.
 */
import { css, html, LitElement } from 'lit';
import { failureText } from '../failure.js';
import { LanguageController, texts } from '../i18n/index.js';
import { services, type Service } from '../services/services-api.js';
import { shared } from '../styles.js';
import '../services/service-hours.js';

export class ServicesPage extends LitElement {
  static override styles = [shared, css`
    :host { display: block; padding: 1rem 1.5rem; }
    h1 { margin: 0 0 1rem; font-size: 1.6rem; }
    table { border-collapse: collapse; width: 100%; }
    th, td { text-align: left; padding: 0.35em 0.6em; border-bottom: 1px solid var(--line); vertical-align: top; }
    th { color: var(--muted); font-weight: 600; }
    .table-wrap { overflow-x: auto; }
    ul.numbers { list-style: none; margin: 0; padding: 0; }
    tr[aria-current='true'] { background: var(--panel); }
    .error { color: var(--alarm); }
    /* A phone: each service a block of its own, nothing to scroll sideways. */
    @media (max-width: 700px) {
      table, tbody, tr, th, td { display: block; }
      thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
      tr { border-bottom: 1px solid var(--line); padding: 0.5rem 0; }
      th, td { border: none; padding: 0.15em 0; }
      td[data-label]::before { content: attr(data-label) ': '; color: var(--muted); }
    }
  `];

  private readonly language = new LanguageController(this);
  private list: Service[] | undefined;
  private chosen: string | undefined;
  private error: string | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      this.list = await services();
      this.chosen ??= this.list[0]?.service;
    } catch (err) {
      this.error = failureText(err);
    }
    this.requestUpdate();
  }

  override render(): unknown {
    const t = texts();
    return html`
      <h1>${t.servicesTitle}</h1>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
      ${this.list ? this.table(this.list) : html`<p>${t.loading}</p>`}
      ${this.chosen ? html`<vx-service-hours .service=${this.chosen}></vx-service-hours>` : ''}`;
  }

  private table(list: Service[]): unknown {
    const t = texts();
    return html`
      <div class="table-wrap"><table aria-label=${t.servicesTitle} data-table="services">
        <thead><tr><th scope="col">${t.service}</th><th scope="col">${t.numbersLeadTo}</th><th scope="col">${t.queue}</th><th scope="col">${t.openingHours}</th></tr></thead>
        <tbody>${list.map((s) => html`
          <tr data-service=${s.service} aria-current=${String(s.service === this.chosen)}>
            <th scope="row">${s.service}</th>
            <td><ul class="numbers">${s.numbers.map((n) => html`
              <li>${n.number} → ${n.target !== undefined ? t.ringsExtension(n.target) : n.flow !== undefined ? t.runsFlow(n.flow) : t.noFlow}</li>`)}
            </ul></td>
            <td data-label=${t.queue}>${s.queue ?? '–'}</td>
            <td><button type="button" aria-label=${t.showHoursOf(s.service)} aria-pressed=${String(s.service === this.chosen)}
              @click=${() => this.choose(s.service)}>${t.showHours}</button></td>
          </tr>`)}
        </tbody>
      </table></div>`;
  }

  private choose(service: string): void {
    this.chosen = service;
    this.requestUpdate();
    void this.updateComplete.then(() => {
      const panel = this.renderRoot.querySelector('vx-service-hours');
      panel?.scrollIntoView({ block: 'start' });
    });
  }
}

customElements.define('vx-services-page', ServicesPage);
