/**
 * A flow as a picture: its nodes in columns, left to right, by the step at
 * which a call meets them (../flow-order.ts; one under the other on a
 * phone), each a box with its type and what it plays or which queue it
 * uses, and an arrow drawn from each of its ways out ("open → lavin") to
 * the box it leads to (./flow-edges.ts). Every box takes the focus, and
 * the targets are links to their boxes, so the picture is walkable by
 * keyboard and screen reader as well as by eye; the arrows repeat what the
 * links say, for the eye only.
 */
import { css, html, LitElement, svg, type PropertyValues } from 'lit';
import type { FlowNode } from '../api-flows.js';
import { callSteps, exits } from '../flow-order.js';
import { LanguageController, texts } from '../i18n/index.js';
import { ResizeController } from '../resize-controller.js';
import { shared } from '../styles.js';
import { edgePath, type Box } from './flow-edges.js';

/** The settings worth seeing in a box: what it plays, its queue, its flow. */
const DETAILS = ['announcement', 'queue', 'flow', 'prompts', 'target'] as const;

interface DrawnEdge {
  from: string;
  to: string;
  d: string;
}

export class FlowDiagram extends LitElement {
  static override properties = { nodes: { attribute: false }, start: {}, drawn: { state: true }, focused: { state: true } };
  declare nodes: FlowNode[];
  declare start: string;
  /** The arrows as last measured from where the boxes are laid out. */
  declare drawn: { width: number; height: number; edges: DrawnEdge[] };
  /** The box with the focus: its arrows stand out. */
  declare focused: string | undefined;

  static override styles = [shared, css`
    :host { display: block; }
    .picture { position: relative; overflow-x: auto; padding: 4px 4px 0.5rem; }
    svg.edges { position: absolute; top: 0; left: 0; pointer-events: none; overflow: visible; }
    svg.edges path { fill: none; stroke: var(--muted); stroke-width: 1.5; }
    svg.edges path.lit { stroke: var(--accent); stroke-width: 3; }
    svg.edges marker path { fill: var(--muted); stroke: none; }
    svg.edges marker#arrow-lit path { fill: var(--accent); }
    ol { list-style: none; margin: 0; padding: 0; }
    ol.steps { display: flex; gap: 3rem; align-items: flex-start; width: max-content; }
    ol.nodes { display: flex; flex-direction: column; gap: 1rem; width: 15rem; }
    @media (max-width: 40rem) {
      /* One column; the arrows run down the right-hand margin. */
      ol.steps { flex-direction: column; align-items: stretch; gap: 1rem; width: auto; padding-right: 2.5rem; }
      ol.nodes { width: auto; }
    }
    li.node { position: relative; border: 2px solid var(--line); border-radius: 8px; padding: 0.6rem 0.8rem; background: var(--panel); }
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
  private readonly resized = new ResizeController(this, () => this.measure());

  constructor() {
    super();
    this.nodes = [];
    this.start = '';
    this.drawn = { width: 0, height: 0, edges: [] };
    this.focused = undefined;
  }

  override render(): unknown {
    const t = texts();
    const { width, height, edges } = this.drawn;
    return html`<div class="picture">
      <ol class="steps" aria-label=${t.flowDiagram}>${callSteps(this.nodes, this.start).map((step) => html`
        <li><ol class="nodes">${step.map((node) => this.box(node))}</ol></li>`)}
      </ol>
      <svg class="edges" aria-hidden="true" width=${width} height=${height} viewBox="0 0 ${width} ${height}">
        <defs>${['arrow', 'arrow-lit'].map((id) => svg`
          <marker id=${id} viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z"></path>
          </marker>`)}
        </defs>
        ${edges.map((e) => {
          const lit = e.from === this.focused || e.to === this.focused;
          return svg`<path class=${lit ? 'lit' : ''} data-edge="${e.from}>${e.to}" d=${e.d} marker-end="url(#${lit ? 'arrow-lit' : 'arrow'})"></path>`;
        })}
      </svg>
    </div>`;
  }

  protected override updated(changed: PropertyValues<this>): void {
    // Only a change of what is drawn moves the boxes; the arrows follow the layout it makes.
    if (changed.has('nodes') || changed.has('start')) this.measure();
  }

  private box(node: FlowNode): unknown {
    const t = texts();
    return html`
      <li class="node ${node.id === this.start ? 'start' : ''}" id="node-${node.id}" data-node=${node.id} tabindex="0"
        @focus=${() => { this.focused = node.id; }} @blur=${() => { this.focused = undefined; }}>
        <div><span class="id">${node.id}</span><span class="type">${node.type}</span></div>
        ${node.id === this.start ? html`<div class="detail">${t.flowStart}</div>` : ''}
        ${DETAILS.filter((key) => node[key] !== undefined).map((key) => html`<div class="detail">${key}: ${String(node[key])}</div>`)}
        ${exits(node).length === 0 ? html`<div class="end">${t.flowEnd}</div>` : html`
          <ul class="exits">${exits(node).map(([outcome, to]) => html`
            <li data-exit=${to}>${outcome === 'next' ? '' : `${outcome} `}→ <a href="#node-${to}" @click=${(e: Event) => this.focusNode(e, to)}>${to}</a></li>`)}
          </ul>`}
      </li>`;
  }

  /** Where each way out and each box is now, relative to the picture: the arrows between them. */
  private measure(): void {
    const picture = this.renderRoot.querySelector<HTMLElement>('.picture');
    if (!picture) return;
    const origin = picture.getBoundingClientRect();
    const boxOf = (el: Element): Box => {
      const r = el.getBoundingClientRect();
      return { left: r.left - origin.left + picture.scrollLeft, top: r.top - origin.top, right: r.right - origin.left + picture.scrollLeft, bottom: r.bottom - origin.top };
    };
    const boxes = new Map([...picture.querySelectorAll('li.node')].map((el) => [el.getAttribute('data-node') ?? '', boxOf(el)]));
    const edges: DrawnEdge[] = [];
    let lane = 0;
    for (const exit of picture.querySelectorAll('li[data-exit]')) {
      const from = exit.closest('li.node')?.getAttribute('data-node') ?? '';
      const to = exit.getAttribute('data-exit') ?? '';
      const source = boxes.get(from);
      const target = boxes.get(to);
      if (!source || !target) continue;
      const way = boxOf(exit);
      const { d, usedLane } = edgePath(source, (way.top + way.bottom) / 2, target, lane);
      if (usedLane) lane++;
      edges.push({ from, to, d });
    }
    const drawn = { width: picture.scrollWidth, height: picture.scrollHeight, edges };
    if (JSON.stringify(drawn) !== JSON.stringify(this.drawn)) this.drawn = drawn;
  }

  /** The page's address holds the page (#/flows): jump within the picture without changing it. */
  private focusNode(event: Event, id: string): void {
    event.preventDefault();
    this.renderRoot.querySelector<HTMLElement>(`#node-${CSS.escape(id)}`)?.focus();
  }
}

customElements.define('vx-flow-diagram', FlowDiagram);
