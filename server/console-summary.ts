/**
 * What a person at the terminal needs once the switch is up, in a few
 * lines: where to register a phone (address, ports, an account), which
 * numbers lead where, whether the demo is open now, where the web pages
 * will be, where the API and its reference are, and a warning when the
 * address phones are told to use cannot be reached from another machine. Printed by server/main.ts when stdout
 * is a terminal; a pure function of the configuration and what the process
 * found out at start-up, so it is tested without one.
 *
 * Passwords are shown only when they are the demo's public ones
 * ("demo-<extension>", as in config/default.yaml); any other is never printed.
 */
import type { Config } from '../config/schema.js';
import { isLoopbackAddress } from './net/address.js';
import { webSocketHost } from './sipd/websocket-listener.js';

export interface SummaryInput {
  config: Config;
  /** The address phones are told to use (Via, Contact, SDP). */
  address: string;
  /** Where each number leads: its flow's name and description, or undefined when it rings an extension. */
  flowOf(number: string, service: string): { name: string; description?: string } | undefined;
  /** Whether this process serves the web pages; false while they are not built. */
  pagesServed: boolean;
}

/** The demo's public passwords, the only ones the summary shows. */
export function isDemoPassword(extension: string, password: string): boolean {
  return password === `demo-${extension}`;
}

/** Loopback, link-local or Docker's default bridge: not reachable from another machine as it is. */
export function unreachableFromOutside(address: string): string | undefined {
  if (isLoopbackAddress(address)) return 'a loopback address';
  if (/^169\.254\./.test(address)) return 'a link-local address';
  if (/^172\.17\./.test(address)) return 'a container address (Docker\'s default bridge)';
  return undefined;
}

/** Where a browser's softphone connects: wss:// with a certificate; plain ws:// on loopback alone says so. */
function softphoneUrl(config: Config, address: string): string {
  const secure = config.tls.cert !== null;
  const host = webSocketHost(config.sip, secure);
  if (secure) return `wss://${address}:${config.sip.wsPort}`;
  if (host === config.sip.host) return `ws://${address}:${config.sip.wsPort}`;
  return `ws://${host.includes(':') ? `[${host}]` : host}:${config.sip.wsPort} (this machine only: other machines need wss://, set TLS_CERT and TLS_KEY)`;
}

const pad = (s: string, n: number): string => (s.length >= n ? `${s} ` : s + ' '.repeat(n - s.length));

export function startupSummary({ config, address, flowOf, pagesServed }: SummaryInput): string {
  const out: string[] = [];
  const embedded = !config.drachtio.host;
  out.push(`Växel is running: ${config.company.name}`, '');

  out.push('Register a SIP phone');
  if (embedded) {
    out.push(`  server    ${address}  port ${config.sip.port} (UDP or TCP); softphones: ${softphoneUrl(config, address)}`);
  } else {
    out.push(`  server    your drachtio-server at ${config.drachtio.host} (its own SIP ports)`);
  }
  out.push(`  domain    ${config.sip.domain}`);
  const example = config.extensions.find((e) => e.agent?.answerOn !== 'mobile');
  if (example) {
    const password = isDemoPassword(example.extension, example.password) ? `password ${example.password}` : 'its password from your configuration';
    out.push(`  account   user ${example.extension}, ${password}`);
  }
  const agents = config.extensions.filter((e) => e.agent && e.agent.answerOn !== 'mobile').map((e) => `${e.extension} ${e.name}`);
  if (agents.length) out.push(`  agents    ${agents.join(', ')}`, '            (registering a phone logs the agent in)');
  const demoPasswords = config.extensions.every((e) => isDemoPassword(e.extension, e.password));
  if (demoPasswords && config.extensions.length > 1) out.push('            every extension\'s password is demo-<extension>');
  out.push('');

  out.push('Call these numbers from a registered phone');
  const numberWidth = Math.max(0, ...config.numbers.map((n) => n.number.length)) + 2;
  const serviceWidth = Math.max(0, ...config.numbers.map((n) => n.service.length)) + 2;
  for (const n of config.numbers) {
    const flow = n.target === undefined ? flowOf(n.number, n.service) : undefined;
    const where = n.target !== undefined
      ? `rings extension ${n.target}${n.greeting ? ' after a greeting' : ''}`
      : flow ? `flow ${flow.name}${flow.description ? `: ${flow.description}` : ''}` : 'no flow (refused)';
    out.push(`  ${pad(n.number, numberWidth)}${pad(n.service, serviceWidth)}${where}`);
  }
  const f = config.featureCodes;
  out.push(`  ${f.login} log in, ${f.logout} log out, ${f.pause} pause, ${f.ready} ready, ${f.recordAnnouncements} record announcements, ${f.avalancheToggle}<id> avalanche message on/off`);
  out.push('');

  if (config.ivr.alwaysOpen) {
    out.push('Opening hours: ignored (ALWAYS_OPEN): every menu answers at any hour.');
  } else {
    out.push('Opening hours: the flows keep their hours; outside them callers hear "we are closed".');
    out.push('  To try the menus at any hour, start with ALWAYS_OPEN=1.');
  }
  const web = `${config.tls.cert !== null ? 'https' : 'http'}://${address}:${config.http.port}`;
  out.push(pagesServed
    ? `Web pages: ${web}/`
    : `Web pages: not built yet (they will be on HTTP port ${config.http.port}).`);
  out.push(`API: ${web}/api/v1, its reference at ${web}/api/docs (sign in as admin: see the README's API section)`);

  const why = embedded ? unreachableFromOutside(address) : undefined;
  if (why) {
    out.push('', `Note: ${address} is ${why}: phones on other machines cannot reach it.`,
      '  Set sip.advertisedAddress to this machine\'s address as phones see it, in a file named by CONFIG:',
      '    sip:', '      advertisedAddress: 192.0.2.20',
      '  and start with CONFIG=that-file.yaml.');
  }
  out.push('', 'Process settings are read once, at start-up: restart after editing them. Extensions, queues, numbers and flows',
    'are the running configuration: the files seeded it at the first start.');
  return out.join('\n') + '\n';
}
