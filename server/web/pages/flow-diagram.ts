/**
 * A flow as a picture: its nodes in columns, left to right, by the step at
 * which a call meets them (../flow-order.ts; one under the other on a
 * phone), each a box with its type and what it plays or
 * which queue it uses, and below it an arrow per way out ("open → lavin").
 * The targets are links to their boxes, so the picture is readable and
 * walkable by keyboard and screen reader as well as by eye.
 */
import { css, html, LitElement } from 'lit';
import type { FlowNode } from '../api-flows.js';
import { callSteps, exits } from '../flow-order.js';
import { LanguageController, texts } from '../i18n/index.js';
import { shared } from '../styles.js';

/** The settings worth seeing in a box: what it plays, its queue, its flow. */
const DETAILS = ['announcement', 'queue', 'flow', 'prompts', 'target'] as const;

export class FlowDiagram extends LitElement {
  static override properties = { nodes: { attribute: false }, start: {} };
  declare nodes: FlowNode[];
  declare start: string;

  static override styles = [shared, css`
    :host { display: block; }
    ol { list-style: none; margin: 0; padding: 0; }
    ol.steps { display: flex; gap: 0.4rem; align-items: flex-start; overflow-x: auto; padding-bottom: 0.5rem; }
    ol.steps > li { display: flex; gap: 0.4rem; align-items: center; }
    ol.steps > li + li::before { content: '→'; color: var(--muted); font-size: 1.6em; align-self: center; }
    ol.nodes { display: flex; flex-direction: column; gap: 0.6rem; width: 15rem; }
    @media (max-width: 40rem) {
      ol.steps { flex-direction: column; align-items: stretch; }
      ol.steps > li { flex-direction: column; align-items: stretch; }
      ol.steps > li + li::before { content: '↓'; }
      ol.nodes { width: auto; }
    }
    li.node { border: 2px solid var(--line); border-radius: 8px; padding: 0.6rem 0.8rem; background: var(--panel); }
    li.node.start { border-color: var(--accent); }
    li.node:focus { outline: 3px solid var(--focus); }
    .id { font-weight: 700; }
    .type { color: var(--muted); margin-left: 0.4rem; }
    .detail { font-size: 0.9em; margin: 0.2rem 0; overflow-wrap: anywhere; }
    ul.exits { list-style: none; margin: 0.4rem 0 0; padding: 0; font-size: 0.95em; }
    ul.exits a { color: var(--accent); }
    .end { color: var(--muted); font-size: 0.9em; }
  `];

  private readonly language = new LanguageController(this);

  override render(): unknown {
    const t = texts();
    return html`<ol class="steps" aria-label=${t.flowDiagram}>${callSteps(this.nodes, this.start).map((step) => html`
      <li><ol class="nodes">${step.map((node) => this.box(node))}</ol></li>`)}
    </ol>`;
  }

  private box(node: FlowNode): unknown {
    const t = texts();
    return html`
      <li class="node ${node.id === this.start ? 'start' : ''}" id="node-${node.id}" data-node=${node.id}>
        <div><span class="id">${node.id}</span><span class="type">${node.type}</span></div>
        ${node.id === this.start ? html`<div class="detail">${t.flowStart}</div>` : ''}
        ${DETAILS.filter((key) => node[key] !== undefined).map((key) => html`<div class="detail">${key}: ${String(node[key])}</div>`)}
        ${exits(node).length === 0 ? html`<div class="end">${t.flowEnd}</div>` : html`
          <ul class="exits">${exits(node).map(([outcome, to]) => html`
            <li>${outcome === 'next' ? '' : `${outcome} `}→ <a href="#node-${to}" @click=${(e: Event) => this.focusNode(e, to)}>${to}</a></li>`)}
          </ul>`}
      </li>`;
  }

  /** The page's address holds the page (#/flows): jump within the picture without changing it. */
  private focusNode(event: Event, id: string): void {
    event.preventDefault();
    const box = this.renderRoot.querySelector<HTMLElement>(`#node-${CSS.escape(id)}`);
    box?.setAttribute('tabindex', '-1');
    box?.focus();
  }
}

customElements.define('vx-flow-diagram', FlowDiagram);
