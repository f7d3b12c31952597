/**
 * The staffing chart: per interval of a day the calls forecast and offered
 * (left axis), and the agents needed, planned and ready (right axis), drawn
 * by uPlot. The table beside it on the page has the same figures in words,
 * for screen readers and keyboards.
 */
import { css, html, LitElement } from 'lit';
import uPlot from 'uplot';
import type { QueueStaffing } from '../api-staffing.js';
import { LanguageController, texts } from '../i18n/index.js';
import { ResizeController } from '../resize-controller.js';

type Day = QueueStaffing['days'][number];

/** Seconds after midnight of "HH:MM", the chart's x. */
const secondsOf = (start: string): number => (Number(start.slice(0, 2)) * 60 + Number(start.slice(3, 5))) * 60;
/** "HH:MM" of seconds after midnight. */
const clock = (s: number): string => `${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}`;

export class StaffingChart extends LitElement {
  static override properties = { day: { attribute: false } };
  declare day: Day | undefined;

  // The few rules uPlot's layers need to sit on each other (its own stylesheet does not reach into a shadow root).
  static override styles = css`
    :host { display: block; }
    .u-wrap { position: relative; user-select: none; }
    .u-over, .u-under { position: absolute; }
    .u-under { overflow: hidden; }
    canvas { display: block; position: relative; width: 100%; height: 100%; }
    .u-axis { position: absolute; }
    .u-legend { font-size: 0.85em; margin: 0.3rem auto 0; text-align: center; }
    .u-legend th { font-weight: 600; }
    .u-legend .u-marker { width: 1em; height: 3px; margin-right: 4px; display: inline-block; vertical-align: middle; }
    .u-legend tr { display: inline-block; margin: 0 0.6rem; }
    .u-cursor-x, .u-cursor-y { position: absolute; left: 0; top: 0; pointer-events: none; }
    .u-cursor-x { height: 100%; border-right: 1px dashed #607d8b; }
    .u-cursor-y { width: 100%; border-bottom: 1px dashed #607d8b; }
    .u-select { position: absolute; pointer-events: none; background: rgba(0,0,0,0.07); }
  `;

  private readonly language = new LanguageController(this);
  private plot: uPlot | undefined;
  private readonly resized = new ResizeController(this, () => this.plot?.setSize(this.size()));

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.plot?.destroy();
    this.plot = undefined;
  }

  override render(): unknown {
    return html`<div class="chart"></div>`;
  }

  /** Drawn again whole on every change of the day or the language. */
  override updated(): void {
    this.plot?.destroy();
    this.plot = undefined;
    const day = this.day;
    if (!day || day.intervals.length === 0) return;
    const t = texts();
    const iv = day.intervals;
    const data: uPlot.AlignedData = [
      iv.map((i) => secondsOf(i.start)),
      iv.map((i) => i.forecastCalls),
      iv.map((i) => i.actualCalls),
      iv.map((i) => i.needed),
      iv.map((i) => i.planned),
      iv.map((i) => i.ready),
    ];
    const line = (label: string, stroke: string, scale: string, dash?: number[]): uPlot.Series =>
      ({ label, stroke, scale, width: 2, ...(dash ? { dash } : {}), paths: uPlot.paths.stepped!({ align: 1 }) });
    this.plot = new uPlot({
      ...this.size(),
      title: t.staffingChartTitle,
      scales: { x: { time: false }, calls: {}, agents: {} },
      axes: [
        // Ticks on whole quarters, halves or hours.
        { values: (_u, ticks) => ticks.map(clock), incrs: [900, 1800, 3600, 7200, 10800] },
        { scale: 'calls', label: t.staffingCalls },
        { scale: 'agents', label: t.staffingAgents, side: 1, grid: { show: false } },
      ],
      series: [
        { label: t.staffingStart, value: (_u, s) => (s === null ? '–' : clock(s)) },
        line(t.staffingForecastCalls, '#7a8591', 'calls', [6, 4]),
        line(t.staffingActualCalls, '#1a1a1a', 'calls'),
        line(t.staffingNeeded, '#b00020', 'agents'),
        line(t.staffingPlanned, '#0b5cad', 'agents', [6, 4]),
        line(t.staffingReady, '#1b6e2a', 'agents'),
      ],
    }, data, this.renderRoot.querySelector<HTMLElement>('.chart')!);
  }

  private size(): { width: number; height: number } {
    const width = Math.max(280, this.clientWidth);
    return { width, height: width < 600 ? 220 : 320 };
  }
}

customElements.define('vx-staffing-chart', StaffingChart);
