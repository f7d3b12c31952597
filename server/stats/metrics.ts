/**
 * The product's Prometheus metrics, in a registry of its own (never
 * prom-client's global one, so several products in one process, as in
 * tests, do not clash):
 *
 *   vaxel_calls_in_progress                     calls to service numbers and callbacks in progress
 *   vaxel_queue_waiting{queue}                  callers in line, not being offered
 *   vaxel_agents{state}                         agents by state
 *   vaxel_sip_requests_received_total{method}   requests outside a dialog (server/sip/traffic.ts)
 *   vaxel_sip_responses_sent_total{method,code} final responses to them
 *   vaxel_media_endpoints_in_use
 *   vaxel_webhook_backlog                       webhook deliveries not yet made (when webhooks run)
 *   nodejs_eventloop_lag_*, process_*, ...      prom-client's default metrics
 *
 * The gauges are read when scraped. The SIP counters exist from the start,
 * since they must be attached to drachtio-srf before the switch; the rest
 * is read from the sources given to `watch` once the product is up.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Acd } from '../acd/index.js';
import type { SipTrafficObserver } from '../sip/traffic.js';
import { AGENT_STATES } from './live-state.js';

export interface MetricSources {
  acd: Pick<Acd, 'snapshot'>;
  callsInProgress: () => number;
  mediaEndpointsInUse: () => number;
  /** Webhook deliveries waiting; the gauge is there only when this is given. */
  webhookBacklog?: () => number;
}

/** Methods counted by name; anything else a peer sends is counted as OTHER, so a peer cannot grow the label set. */
const KNOWN_METHODS = new Set([
  'INVITE', 'ACK', 'BYE', 'CANCEL', 'REGISTER', 'OPTIONS', 'INFO', 'UPDATE', 'PRACK',
  'SUBSCRIBE', 'NOTIFY', 'REFER', 'MESSAGE', 'PUBLISH',
]);
const methodLabel = (method: string): string => (KNOWN_METHODS.has(method) ? method : 'OTHER');

export class ProductMetrics {
  readonly registry = new Registry();
  /** Give this to watchSipTraffic (server/sip/traffic.ts). */
  readonly sip: SipTrafficObserver;
  private sources?: MetricSources;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    const requests = new Counter({
      name: 'vaxel_sip_requests_received_total', help: 'SIP requests received outside a dialog, by method',
      labelNames: ['method'], registers,
    });
    const responses = new Counter({
      name: 'vaxel_sip_responses_sent_total', help: 'Final SIP responses sent to those requests, by method and code',
      labelNames: ['method', 'code'], registers,
    });
    this.sip = {
      request: (method) => requests.inc({ method: methodLabel(method) }),
      response: (method, status) => responses.inc({ method: methodLabel(method), code: String(status) }),
    };

    const read = (): MetricSources | undefined => this.sources;
    new Gauge({
      name: 'vaxel_calls_in_progress', help: 'Calls to service numbers and callbacks in progress', registers,
      collect() { const s = read(); if (s) this.set(s.callsInProgress()); },
    });
    new Gauge({
      name: 'vaxel_queue_waiting', help: 'Callers in line and not being offered, by queue', labelNames: ['queue'], registers,
      collect() {
        const s = read();
        if (!s) return;
        this.reset();
        for (const q of s.acd.snapshot().queues) this.set({ queue: q.id }, q.waiting);
      },
    });
    new Gauge({
      name: 'vaxel_agents', help: 'Agents by state', labelNames: ['state'], registers,
      collect() {
        const s = read();
        if (!s) return;
        const counts = new Map(AGENT_STATES.map((state) => [state, 0]));
        for (const a of s.acd.snapshot().agents) counts.set(a.state, (counts.get(a.state) ?? 0) + 1);
        for (const [state, n] of counts) this.set({ state }, n);
      },
    });
    new Gauge({
      name: 'vaxel_media_endpoints_in_use', help: 'Media endpoints in use', registers,
      collect() { const s = read(); if (s) this.set(s.mediaEndpointsInUse()); },
    });
  }

  /** Starts reading the product's state; call once, when it is up. */
  watch(sources: MetricSources): void {
    if (this.sources) throw new Error('metrics already watch a product');
    this.sources = sources;
    const backlog = sources.webhookBacklog;
    if (backlog) {
      new Gauge({
        name: 'vaxel_webhook_backlog', help: 'Webhook deliveries not yet made', registers: [this.registry],
        collect() { this.set(backlog()); },
      });
    }
  }
}
