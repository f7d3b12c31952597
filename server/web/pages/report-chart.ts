/**
 * The report's chart (uPlot): calls offered and answered per interval as
 * bars, and the service level as a line on its own 0-100 % scale.
 */
import { LitElement, css, html, unsafeCSS } from 'lit';
import uPlot from 'uplot';
import uplotCss from 'uplot/dist/uPlot.min.css?inline';
import type { Report } from '../api-reports.js';
import { texts } from '../i18n/index.js';
import { ResizeController } from '../resize-controller.js';

const HEIGHT = 260;

export class ReportChart extends LitElement {
  static override styles = [unsafeCSS(uplotCss), css`:host { display: block; } .chart { width: 100%; }`];

  totals: Report['totals'] = [];
  /** The company's time zone: the axis shows its clock, whatever the browser's. */
  timezone = 'UTC';
  private plot: uPlot | undefined;
  private readonly resized = new ResizeController(this, () => this.plot?.setSize({ width: this.width(), height: HEIGHT }));

  override render(): unknown {
    return html`<div class="chart" role="img" aria-label=${texts().reportChart}></div>`;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.plot?.destroy();
    this.plot = undefined;
  }

  override updated(): void {
    this.plot?.destroy();
    const t = texts();
    const bars = uPlot.paths.bars!({ size: [0.6, 40] });
    const data: uPlot.AlignedData = [
      this.totals.map((line) => Date.parse(line.start) / 1000),
      this.totals.map((line) => line.offered),
      this.totals.map((line) => line.answered),
      this.totals.map((line) => (line.serviceLevel === null ? null : line.serviceLevel * 100)),
    ];
    const xs = data[0];
    // Half an interval of room each side, so the first and last bars show whole.
    const gaps = xs.slice(1).map((x, i) => x - xs[i]!);
    const pad = (gaps.length === 0 ? 3600 : Math.min(...gaps)) / 2;
    this.plot = new uPlot({
      width: this.width(),
      height: HEIGHT,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), this.timezone),
      series: [
        {},
        { label: t.reportOffered, stroke: '#0b5cad', fill: 'rgba(11, 92, 173, 0.25)', paths: bars, points: { show: false } },
        { label: t.reportAnswered, stroke: '#1b6e2a', fill: 'rgba(27, 110, 42, 0.35)', paths: bars, points: { show: false } },
        { label: t.reportServiceLevel, stroke: '#b00020', width: 2, scale: '%', spanGaps: true },
      ],
      scales: {
        x: { time: true, range: (_u, min, max) => [min - pad, max + pad] },
        y: { range: (_u, _min, max) => [0, Math.max(1, max)] },
        '%': { range: [0, 100] },
      },
      axes: [{}, { label: t.reportCalls }, { scale: '%', side: 1, label: '%', grid: { show: false } }],
    }, data, this.renderRoot.querySelector<HTMLElement>('.chart')!);
  }

  private width(): number {
    return Math.max(280, this.clientWidth);
  }
}

customElements.define('vx-report-chart', ReportChart);
