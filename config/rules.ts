/**
 * The configuration's cross-field rules, the ones a JSON schema cannot say:
 * unique extensions, numbers, queue and trunk names; every reference (a
 * number's target, queue and personal agent, an agent's queues, an
 * operator's extensions, the dial-out policy's extensions) names something
 * that exists; trusted sources are addresses, address:port or CIDRs;
 * routing steps that widen the circle in order; case type codes unique in
 * their queue; port ranges that do not
 * collide; no demo secret for a drachtio-server on another machine; an
 * address where an extension is registered is limited no more than a
 * stranger's; webhook URLs that are http(s) URLs, each configured once;
 * opening-hour exceptions for services that exist, in order
 * (./hours-exceptions.ts); the agent desktop's CRM link (./crm-url.ts).
 *
 * Run on a value that already matches the schema; returns the first problem,
 * with its kind (./refusals.ts) where a client may word it itself.
 */
import { crmUrlProblem } from './crm-url.js';
import { hoursExceptionsIssue } from './hours-exceptions.js';
import { STEPS_RULE } from './json-schema.js';
import type { Config, FeatureCodesConfig, SourceLimitsConfig } from './schema.js';
import { refusal, unknown } from './refusals.js';
import { parseTrustedSource } from './trusted-source.js';
import type { Issue } from './validation-kit.js';

/** drachtio's well-known demo secret: anyone who knows drachtio knows it. */
export const DEMO_DRACHTIO_SECRET = 'cymru';

/** A host name or address that means this machine. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Cross-field rules, run on a value that already matches the schema. Returns the first problem. */
export function checkConfigRules(config: Config): Issue | null {
  const seenExt = new Map<string, number>();
  for (const [i, e] of config.extensions.entries()) {
    const prev = seenExt.get(e.extension);
    if (prev !== undefined) {
      return { path: ['extensions', i, 'extension'], problem: `duplicate extension "${e.extension}" (already at extensions[${prev}])`, refusal: refusal('duplicate-id', { id: e.extension }) };
    }
    seenExt.set(e.extension, i);
  }
  const seenNum = new Map<string, number>();
  for (const [i, n] of config.numbers.entries()) {
    const prev = seenNum.get(n.number);
    if (prev !== undefined) {
      return { path: ['numbers', i, 'number'], problem: `duplicate number "${n.number}" (already at numbers[${prev}])`, refusal: refusal('duplicate-id', { id: n.number }) };
    }
    seenNum.set(n.number, i);
  }
  const queueIds = new Map<string, number>();
  for (const [i, q] of config.queues.entries()) {
    const prev = queueIds.get(q.id);
    if (prev !== undefined) return { path: ['queues', i, 'id'], problem: `duplicate queue id "${q.id}" (already at queues[${prev}])`, refusal: refusal('duplicate-id', { id: q.id }) };
    queueIds.set(q.id, i);
    let before = -1;
    for (const [j, step] of q.steps.entries()) {
      const kinds = [step.skill !== undefined, step.group !== undefined, step.everyone !== undefined].filter(Boolean).length;
      if (kinds !== 1) {
        return { path: ['queues', i, 'steps', j], problem: 'must name exactly one of skill (with an optional minLevel), group, or everyone: true', refusal: refusal('step-one-kind') };
      }
      if (step.minLevel !== undefined && step.skill === undefined) {
        return { path: ['queues', i, 'steps', j, 'minLevel'], problem: 'goes with a skill', refusal: refusal('step-level-without-skill') };
      }
      if (step.afterSeconds <= before) {
        return {
          path: ['queues', i, 'steps', j, 'afterSeconds'],
          problem: `must be greater than the step before (${before}), got ${step.afterSeconds}: ${STEPS_RULE}`,
          refusal: refusal('steps-widen', { before }),
        };
      }
      before = step.afterSeconds;
    }
    const codes = new Map<string, number>();
    for (const [j, t] of (q.caseTypes ?? []).entries()) {
      const first = codes.get(t.code);
      if (first !== undefined) {
        return { path: ['queues', i, 'caseTypes', j, 'code'], problem: `duplicate case type code "${t.code}" (already at caseTypes[${first}])` };
      }
      codes.set(t.code, j);
    }
    if (q.steps[0]!.afterSeconds !== 0) {
      return { path: ['queues', i, 'steps', 0, 'afterSeconds'], problem: `the first step must start at 0 (who may answer a new call), got ${q.steps[0]!.afterSeconds}: ${STEPS_RULE}`,
        refusal: refusal('first-step-at-zero') };
    }
    if (q.priority === 'head-start' && q.headStartSecondsPerPoint === undefined) {
      return { path: ['queues', i, 'headStartSecondsPerPoint'], problem: 'is required with priority: head-start (seconds of waiting one priority point is worth)',
        refusal: refusal('required') };
    }
  }
  const knownQueues = (): string => [...queueIds.keys()].join(', ') || 'none';
  const knownAgents = (): string => config.extensions.filter((e) => e.agent).map((e) => e.extension).join(', ') || 'none';
  for (const [i, e] of config.extensions.entries()) {
    if (!e.agent) continue;
    for (const [j, q] of e.agent.queues.entries()) {
      if (!queueIds.has(q)) return { path: ['extensions', i, 'agent', 'queues', j], problem: `unknown queue "${q}" (queues: ${knownQueues()})`, refusal: unknown('queue', q) };
    }
    if (e.agent.answerOn === 'mobile' && !e.mobile) {
      return { path: ['extensions', i, 'agent', 'answerOn'], problem: 'is mobile, but the extension has no mobile number', refusal: refusal('no-mobile') };
    }
  }
  const serviceQueue = new Map<string, { queue: string | undefined; at: number }>();
  for (const [i, n] of config.numbers.entries()) {
    if (n.target !== undefined && !seenExt.has(n.target)) {
      return { path: ['numbers', i, 'target'], problem: `unknown extension "${n.target}" (not in extensions)`, refusal: unknown('extension', n.target) };
    }
    if (n.greeting && n.target === undefined) {
      return { path: ['numbers', i, 'greeting'], problem: 'goes with a target extension (a number without target runs its IVR flow)' };
    }
    if (n.personalAgent !== undefined) {
      const at = seenExt.get(n.personalAgent);
      if (at === undefined) {
        return { path: ['numbers', i, 'personalAgent'], problem: `unknown extension "${n.personalAgent}" (not in extensions; agents: ${knownAgents()})`,
          refusal: unknown('extension', n.personalAgent) };
      }
      if (!config.extensions[at]!.agent) {
        return {
          path: ['numbers', i, 'personalAgent'],
          problem: `extension "${n.personalAgent}" (extensions[${at}]) is not an agent: a personal queue is an agent's (agents: ${knownAgents()})`,
        };
      }
      if (n.target !== undefined) {
        return { path: ['numbers', i, 'personalAgent'], problem: 'goes with a queue, not a target (a number with target rings that extension directly)' };
      }
    }
    if (n.queue !== undefined && !queueIds.has(n.queue)) {
      return { path: ['numbers', i, 'queue'], problem: `unknown queue "${n.queue}" (queues: ${knownQueues()})`, refusal: unknown('queue', n.queue) };
    }
    if (n.target === undefined && n.queue === undefined) {
      return { path: ['numbers', i], problem: 'needs a queue (where its service\'s calls wait) or a target extension (direct dial)' };
    }
    if (n.target === undefined) {
      const other = serviceQueue.get(n.service);
      if (other && other.queue !== n.queue) {
        return { path: ['numbers', i, 'queue'], problem: `service "${n.service}" already waits in queue "${other.queue}" (numbers[${other.at}]): one service, one queue` };
      }
      serviceQueue.set(n.service, { queue: n.queue, at: i });
    }
  }
  const seenTrunk = new Map<string, number>();
  const trunkUsers = new Set<string>();
  for (const [i, t] of config.trunks.entries()) {
    const prev = seenTrunk.get(t.name);
    if (prev !== undefined) {
      return { path: ['trunks', i, 'name'], problem: `duplicate trunk name "${t.name}" (already at trunks[${prev}])`, refusal: refusal('duplicate-id', { id: t.name }) };
    }
    seenTrunk.set(t.name, i);
    if (t.inboundAuth && (seenExt.has(t.inboundAuth.username) || trunkUsers.has(t.inboundAuth.username))) {
      return { path: ['trunks', i, 'inboundAuth', 'username'], problem: `"${t.inboundAuth.username}" is already an extension or another trunk's user name: a trunk's must be its own` };
    }
    if (t.inboundAuth) trunkUsers.add(t.inboundAuth.username);
    for (const [j, src] of t.trustedSources.entries()) {
      if (!parseTrustedSource(src)) {
        return {
          path: ['trunks', i, 'trustedSources', j],
          problem: `must be an IP address, an address and port such as 192.0.2.10:5060, or a CIDR such as 192.0.2.0/24, got ${JSON.stringify(src)}`,
        };
      }
    }
  }
  for (const ext of Object.keys(config.dialOut.extensions)) {
    if (!seenExt.has(ext)) return { path: ['dialOut', 'extensions', ext], problem: `unknown extension "${ext}" (not in extensions)`, refusal: unknown('extension', ext) };
  }
  const codes = Object.entries(config.featureCodes) as Array<[keyof FeatureCodesConfig, string]>;
  for (const [i, [key, code]] of codes.entries()) {
    for (const [otherKey, other] of codes.slice(0, i)) {
      if (code.startsWith(other) || other.startsWith(code)) {
        return { path: ['featureCodes', key], problem: `"${code}" clashes with featureCodes.${otherKey} "${other}" (one must not begin with the other)` };
      }
    }
  }
  const pins = new Map<string, number>();
  for (const [i, o] of config.operators.entries()) {
    const prev = pins.get(o.pin);
    // Say where, never what: a PIN is a secret.
    if (prev !== undefined) return { path: ['operators', i, 'pin'], problem: `is the same PIN as operators[${prev}]: every operator needs their own` };
    pins.set(o.pin, i);
    for (const [j, ext] of o.extensions.entries()) {
      if (!seenExt.has(ext)) return { path: ['operators', i, 'extensions', j], problem: `unknown extension "${ext}" (not in extensions)`, refusal: unknown('extension', ext) };
    }
  }
  const services = new Set(config.numbers.map((n) => n.service));
  const avalancheIds = new Map<string, number>();
  for (const [i, a] of config.avalanche.entries()) {
    const prev = avalancheIds.get(a.id);
    if (prev !== undefined) return { path: ['avalanche', i, 'id'], problem: `duplicate avalanche id "${a.id}" (already at avalanche[${prev}])`, refusal: refusal('duplicate-id', { id: a.id }) };
    avalancheIds.set(a.id, i);
    for (const [j, s] of a.services.entries()) {
      if (!services.has(s)) return { path: ['avalanche', i, 'services', j], problem: `unknown service "${s}" (not a numbers[].service)`, refusal: unknown('service', s) };
    }
    for (const side of ['start', 'end'] as const) {
      const at = a[side];
      if (at !== undefined && Number.isNaN(Date.parse(at))) return { path: ['avalanche', i, side], problem: `"${at}" is not a time that exists`, refusal: refusal('bad-time') };
    }
    if (a.start !== undefined && a.end !== undefined && Date.parse(a.start) >= Date.parse(a.end)) {
      return { path: ['avalanche', i, 'end'], problem: 'must be after start', refusal: refusal('ends-before-start') };
    }
  }
  const webhookProblem = checkWebhooks(config);
  if (webhookProblem) return webhookProblem;
  const exceptionsIssue = hoursExceptionsIssue(config.hoursExceptions, services);
  if (exceptionsIssue) return exceptionsIssue;
  const crmProblem = config.agentDesktop.crmUrl !== null ? crmUrlProblem(config.agentDesktop.crmUrl) : null;
  if (crmProblem) return { path: ['agentDesktop', 'crmUrl'], problem: crmProblem };
  const { drachtio } = config;
  if (drachtio.host !== null && !isLoopback(drachtio.host) && drachtio.secret === DEMO_DRACHTIO_SECRET) {
    return {
      path: ['drachtio', 'secret'],
      problem: `is drachtio's well-known demo secret, and drachtio-server at "${drachtio.host}" is not on this machine: `
        + 'anyone who reaches its control port could take the calls; set DRACHTIO_SECRET (and drachtio --secret) to a secret of your own',
    };
  }
  const { rtp, sip, http } = config;
  if (rtp.portMin > rtp.portMax) {
    return { path: ['rtp', 'portMin'], problem: `must not be greater than rtp.portMax (${rtp.portMin} > ${rtp.portMax})` };
  }
  const timers = sip.sessionTimers;
  if (timers.minSeconds > timers.expiresSeconds) {
    return {
      path: ['sip', 'sessionTimers', 'minSeconds'],
      problem: `must not be greater than sip.sessionTimers.expiresSeconds (${timers.minSeconds} > ${timers.expiresSeconds})`,
    };
  }
  const reg = sip.registration;
  if (reg.minExpires > reg.maxExpires) {
    return { path: ['sip', 'registration', 'minExpires'], problem: `must not be greater than sip.registration.maxExpires (${reg.minExpires} > ${reg.maxExpires})` };
  }
  if (reg.defaultExpires < reg.minExpires || reg.defaultExpires > reg.maxExpires) {
    return {
      path: ['sip', 'registration', 'defaultExpires'],
      problem: `must be between sip.registration.minExpires and maxExpires (${reg.minExpires}..${reg.maxExpires}), got ${reg.defaultExpires}`,
    };
  }
  const limitsIssue = sourceLimitsIssue(sip.sourceLimits);
  if (limitsIssue) return limitsIssue;
  // The embedded engine listens on TCP for SIP and for SIP over WebSocket; HTTP is TCP too.
  if (sip.wsPort === sip.port) {
    return { path: ['sip', 'wsPort'], problem: `must differ from sip.port (both ${sip.port})` };
  }
  if (http.port === sip.port || http.port === sip.wsPort) {
    return { path: ['http', 'port'], problem: `must differ from sip.port and sip.wsPort (${http.port} is taken)` };
  }
  if ((config.tls.cert === null) !== (config.tls.key === null)) {
    return { path: ['tls', config.tls.cert === null ? 'cert' : 'key'], problem: 'must be set too: HTTPS needs both a certificate (TLS_CERT) and its key (TLS_KEY)' };
  }
  if (sip.port >= rtp.portMin && sip.port <= rtp.portMax) {
    return { path: ['sip', 'port'], problem: `must lie outside the RTP range ${rtp.portMin}..${rtp.portMax}, got ${sip.port}` };
  }
  return null;
}

/** Registered addresses carry whole offices: they may do at least what a stranger may. */
function sourceLimitsIssue(limits: SourceLimitsConfig): Issue | null {
  const pairs = [['registeredConnections', 'connections'], ['registeredMessagesPerSecond', 'messagesPerSecond'],
    ['registeredMessageBurst', 'messageBurst']] as const;
  for (const [registered, stranger] of pairs) {
    if (limits[registered] < limits[stranger]) {
      return {
        path: ['sip', 'sourceLimits', registered],
        problem: `must not be less than sip.sourceLimits.${stranger} (${limits[registered]} < ${limits[stranger]}): `
          + 'an address where an extension is registered is limited no more than any other',
      };
    }
  }
  if (limits.messageBurst < limits.messagesPerSecond) {
    return {
      path: ['sip', 'sourceLimits', 'messageBurst'],
      problem: `must not be less than sip.sourceLimits.messagesPerSecond (${limits.messageBurst} < ${limits.messagesPerSecond}): a burst holds at least one second's messages`,
    };
  }
  return null;
}

/**
 * Webhook URLs: absolute http(s) URLs, each once (its undelivered events are
 * kept under a name made from the URL). A URL is never echoed: it may carry
 * the receiver's token.
 */
function checkWebhooks(config: Config): Issue | null {
  const seen = new Map<string, number>();
  for (const [i, hook] of config.webhooks.entries()) {
    let url: URL;
    try {
      url = new URL(hook.url);
    } catch {
      return { path: ['webhooks', i, 'url'], problem: 'must be an absolute http:// or https:// URL, such as https://crm.example.com/hooks/vaxel' };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return { path: ['webhooks', i, 'url'], problem: `must be an http:// or https:// URL, got a ${url.protocol} URL` };
    }
    if (url.username !== '' || url.password !== '') {
      return { path: ['webhooks', i, 'url'], problem: 'must not carry a user name or password (user:password@): the receiver checks the signature made with the secret instead' };
    }
    const prev = seen.get(url.href);
    if (prev !== undefined) return { path: ['webhooks', i, 'url'], problem: `is the same URL as webhooks[${prev}]: one entry per receiver` };
    seen.set(url.href, i);
  }
  return null;
}
