/**
 * http: asks a URL (a CRM, a self-service back end) about the call. The JSON
 * answer can set variables, mark the caller VIP, set the priority or the
 * language, and pick a route among the node's branches.
 *
 *   - id: crm
 *     type: http
 *     url: "https://crm.example/lookup?caller={{caller}}&service={{service}}"
 *     method: GET               # GET (default) or POST (a JSON body: the call and its variables)
 *     timeoutMs: 1500           # default 2000
 *     headers: { Accept: application/json }
 *     vipPriority: 10           # the priority a VIP answer gives (default 10)
 *     next: ko                  # answered
 *     branches:
 *       fallback: ko            # no answer in time, an error, not 2xx, not JSON (default: next)
 *       foretag: ko-foretag     # a route the answer may pick
 *
 * The answer (every field optional; others are ignored):
 *
 *   { "variables": { "kundnummer": "4711" },   // text, numbers, true/false
 *     "vip": true, "priority": 5, "language": "en", "route": "foretag" }
 *
 * A route that is not one of the node's branches (or is "fallback") is
 * logged and ignored. Placeholders in the URL: ../template.ts, filled in
 * URL-encoded.
 */
import { isPromptLanguage } from '../../../media/speech.js';
import type { IvrContext } from '../context.js';
import type { NodeDefBase } from '../flow.js';
import { fillTemplate, templateProblem } from '../template.js';
import { schema } from './common.js';
import { KILLED, NodeTask, nodeType } from './node.js';

export interface HttpDef extends NodeDefBase {
  readonly type: 'http';
  readonly url: string;
  readonly method?: 'GET' | 'POST';
  readonly timeoutMs?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly vipPriority?: number;
}

export const HTTP_DEFAULTS = { timeoutMs: 2000, vipPriority: 10 };
/** Answers longer than this are not read. */
export const MAX_ANSWER_BYTES = 65_536;

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

type Answer = Record<string, unknown>;

class HttpNode extends NodeTask<HttpDef> {
  protected async run(ctx: IvrContext): Promise<string | undefined> {
    const d = this.def;
    const answer = await this.untilKilled(this.ask(ctx));
    if (answer === KILLED) return undefined;
    if (typeof answer === 'string') {
      ctx.logger.warn({ node: d.id, problem: answer }, 'http lookup failed: fallback');
      return this.follow('fallback');
    }
    return this.apply(ctx, answer);
  }

  /** The JSON object answered, or what went wrong. */
  private async ask(ctx: IvrContext): Promise<Answer | string> {
    const d = this.def;
    const url = fillTemplate(d.url, ctx, encodeURIComponent);
    const timeoutMs = d.timeoutMs ?? HTTP_DEFAULTS.timeoutMs;
    const signal = AbortSignal.any([this.signal, AbortSignal.timeout(timeoutMs)]);
    const method = d.method ?? 'GET';
    const { callId, caller, callerName, dialled, service, language } = ctx.call;
    try {
      const res = await fetch(url, {
        method,
        signal,
        headers: { accept: 'application/json', ...(method === 'POST' ? { 'content-type': 'application/json' } : {}), ...d.headers },
        ...(method === 'POST'
          ? { body: JSON.stringify({ callId, caller, callerName, dialled, service, language, variables: ctx.variables }) }
          : {}),
      });
      if (!res.ok) {
        await res.body?.cancel().catch(() => undefined);
        return `${url} answered ${res.status}`;
      }
      const length = Number(res.headers.get('content-length') ?? 0);
      if (length > MAX_ANSWER_BYTES) {
        await res.body?.cancel().catch(() => undefined);
        return `${url} answered ${length} bytes (more than ${MAX_ANSWER_BYTES})`;
      }
      const text = await res.text();
      if (text.length > MAX_ANSWER_BYTES) return `${url} answered more than ${MAX_ANSWER_BYTES} bytes`;
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return `${url} did not answer JSON`;
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) return `${url} did not answer a JSON object`;
      return body as Answer;
    } catch (err) {
      if (signal.aborted && !this.killed) return `${url} did not answer within ${timeoutMs} ms`;
      return `${url}: ${(err as Error).message}${(err as { cause?: Error }).cause ? ` (${(err as { cause: Error }).cause.message})` : ''}`;
    }
  }

  private apply(ctx: IvrContext, answer: Answer): string | undefined {
    const d = this.def;
    const log = ctx.logger;
    const vars = answer['variables'];
    if (vars !== undefined) {
      if (typeof vars === 'object' && vars !== null && !Array.isArray(vars)) {
        for (const [name, value] of Object.entries(vars)) {
          if (VARIABLE_NAME.test(name) && ['string', 'number', 'boolean'].includes(typeof value)) ctx.variables[name] = String(value);
          else log.warn({ node: d.id, variable: name }, 'http answer: variable ignored (bad name or value)');
        }
      } else {
        log.warn({ node: d.id }, 'http answer: "variables" is not an object; ignored');
      }
    }
    const priority = answer['priority'];
    if (priority !== undefined) {
      if (Number.isInteger(priority) && (priority as number) >= 0 && (priority as number) <= 100) ctx.routing.priority = priority as number;
      else log.warn({ node: d.id, priority }, 'http answer: priority ignored (a whole number 0-100)');
    }
    if (answer['vip'] === true) {
      ctx.routing.vip = true;
      ctx.routing.priority = Math.max(ctx.routing.priority, d.vipPriority ?? HTTP_DEFAULTS.vipPriority);
    }
    const language = answer['language'];
    if (language !== undefined) {
      if (typeof language === 'string' && isPromptLanguage(language)) ctx.call.language = language;
      else log.warn({ node: d.id, language }, 'http answer: language ignored (not a prompt language)');
    }
    const route = answer['route'];
    if (route !== undefined) {
      if (typeof route === 'string' && route !== 'fallback' && d.branches?.[route] !== undefined) {
        log.info({ node: d.id, route }, 'http answer: route');
        return d.branches[route];
      }
      log.warn({ node: d.id, route }, 'http answer: route ignored (not a branch of this node)');
    }
    return d.next;
  }
}

export const http = nodeType<HttpDef>({
  type: 'http',
  settings: {
    url: { type: 'string', pattern: '^https?://', errorHint: 'must be an http:// or https:// URL' },
    method: { type: 'string', enum: ['GET', 'POST'], errorHint: 'must be GET or POST' },
    timeoutMs: { type: 'integer', minimum: 100, maximum: 30_000, errorHint: 'must be a whole number of milliseconds from 100 to 30000' },
    headers: {
      type: 'object',
      additionalProperties: { type: 'string' },
      errorHint: 'must map header names to text',
    },
    vipPriority: schema.priority,
  },
  required: ['url'],
  branches: { pattern: /^[A-Za-z0-9_-]+$/, text: '"fallback" or a route name of letters, digits, "-" and "_"' },
  next: true,
  check(def) {
    const bad = templateProblem(def.url);
    if (bad) return `url: ${bad}`;
    try {
      new URL(def.url.replace(/\{\{[^{}]*\}\}/g, 'x'));
    } catch {
      return `url "${def.url}" is not a URL`;
    }
    if (!def.next) return 'an http node needs "next": where the call goes when the answer picks no route';
    return undefined;
  },
  create: (def) => new HttpNode(def),
});
