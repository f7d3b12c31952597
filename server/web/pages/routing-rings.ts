/**
 * A queue's routing steps as widening circles: the innermost ring is who
 * may answer at once, each ring outside it who may answer too from that
 * many seconds of waiting on (the circle only widens). Labelled in words,
 * and the same text is the picture's accessible description.
 */
import { html, LitElement, svg } from 'lit';
import type { QueueStepConfig } from '../../../config/schema.js';
import { LanguageController, texts } from '../i18n/index.js';

const SIZE = 360;
const CENTRE = SIZE / 2;

export function stepLabel(step: QueueStepConfig): string {
  const t = texts();
  const who = step.everyone ? t.stepEveryone
    : step.group !== undefined ? t.stepGroup(step.group)
      : t.stepSkill(step.skill ?? '', step.minLevel);
  return `${step.afterSeconds} s: ${who}`;
}

export class RoutingRings extends LitElement {
  static override properties = { steps: { attribute: false } };
  declare steps: QueueStepConfig[];

  private readonly language = new LanguageController(this);

  override render(): unknown {
    const steps = [...(this.steps ?? [])].sort((a, b) => a.afterSeconds - b.afterSeconds);
    const labels = steps.map(stepLabel);
    const band = (CENTRE - 8) / Math.max(steps.length, 1);
    // Outermost first, so each inner ring is drawn over the one around it.
    const rings = steps.map((_, i) => i).reverse();
    return html`
      <svg viewBox="0 0 ${SIZE} ${SIZE}" width="100%" style="max-width: 24rem; display: block" role="img" aria-label=${`${texts().routingPicture}: ${labels.join('; ')}`}>
        ${rings.map((i) => svg`
          <circle cx=${CENTRE} cy=${CENTRE} r=${band * (i + 1)} fill=${`hsl(210 70% ${92 - i * 8}%)`} stroke="#0b5cad" stroke-width="1.5"></circle>`)}
        ${steps.map((_, i) => svg`
          <text x=${CENTRE} y=${i === 0 ? CENTRE + 5 : CENTRE - band * i - band / 2 + 5} text-anchor="middle"
            font-size="13" font-family="system-ui, sans-serif" fill="#1a1a1a" data-step=${i}>${labels[i]}</text>`)}
      </svg>`;
  }
}

customElements.define('vx-routing-rings', RoutingRings);
