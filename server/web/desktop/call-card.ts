/**
 * What the agent needs to know of a call, offered or in progress: the
 * service and the number the caller dialled, who calls, how long they
 * waited (still counting while offered), VIP, whether it is a callback, and
 * the CRM link for the caller (screen pop) when one is configured.
 */
import { css, html, LitElement } from 'lit';
import { duration } from '../format.js';
import { LanguageController, texts } from '../i18n/index.js';
import { shared } from '../styles.js';
import { crmLink } from './crm-link.js';
import { waitedSeconds, type DeskCall } from './desk-state.js';

export class DeskCallCard extends LitElement {
  static override properties = { call: { attribute: false }, crmUrl: { attribute: false }, now: { attribute: false } };
  declare call: DeskCall;
  declare crmUrl: string | null;
  /** The page's clock, ticking each second. */
  declare now: number;

  static override styles = [shared, css`
    :host { display: block; }
    dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.3rem 1rem; margin: 0; }
    dt { color: var(--muted); }
    dd { margin: 0; font-weight: 600; font-variant-numeric: tabular-nums; }
    .vip { font-weight: 700; padding: 0 0.4em; border: 2px solid var(--alarm); color: var(--alarm); border-radius: 4px; }
    a { color: var(--accent); }
  `];

  private readonly language = new LanguageController(this);

  override render(): unknown {
    const t = texts();
    const c = this.call;
    const waited = waitedSeconds(c, this.now);
    const row = (key: string, label: string, value: unknown): unknown => html`<dt>${label}</dt><dd data-field=${key}>${value}</dd>`;
    return html`
      <dl>
        ${row('service', t.service, c.service ?? '–')}
        ${row('dialled', t.dialled, c.dialled ?? '–')}
        ${row('caller', t.caller, c.caller ?? '–')}
        ${row('wait', t.wait, waited === undefined ? '–' : duration(waited))}
        ${row('vip', t.vip, c.vip ? html`<span class="vip">${t.vip}</span>` : t.deskNo)}
        ${row('callback', t.deskCallback, c.callback ? t.deskYes : t.deskNo)}
      </dl>
      ${this.crmUrl === null ? '' : html`
        <p><a href=${crmLink(this.crmUrl, { caller: c.caller, dialled: c.dialled, service: c.service })} target="_blank" rel="noopener noreferrer">${t.deskOpenCrm}</a></p>`}`;
  }
}

customElements.define('vx-desk-call-card', DeskCallCard);
