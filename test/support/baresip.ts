/**
 * baresip as a scriptable desk phone for tests (Debian 12 ships baresip 1.0.0).
 *
 * Each phone runs in its own temp config dir (-f) with only these modules:
 *   g711      PCMU/PCMA
 *   aufile    audio source = a WAV file (8 kHz, mono, 16-bit for G.711).
 *             When the file ends baresip HANGS UP the call ("end of file"),
 *             so the default source is 10 minutes of silence.
 *   sndfile   audio filter that dumps what the phone sends (…-enc.wav) and
 *             what it receives, decoded (…-dec.wav), one pair per call, into
 *             snd_path (= recordDir). This is how we "record what it hears":
 *             aufile in 1.0.0 is a source only, it cannot play to a file.
 *             No audio player module is loaded at all (no sound card here);
 *             the decode filters still run.
 *   menu      the dial/accept/hangup/sndcode... commands
 *   ctrl_tcp  JSON-over-netstring control socket (commands + events)
 * The account is created through ctrl_tcp (`uanew`) after we are connected,
 * so no REGISTER event can happen before we listen. ctrl_tcp accepts a single
 * client and only relays events while that client is connected.
 *
 * baresip binds UDP+TCP on sip_listen's port and TLS on port+1, so SIP ports
 * come from freePortRange(2).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readSync, closeSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { freePort, freePortRange } from './ports.js';
import { cachedWav, dominantFrequency, encodeWav, readWav, rms, toneRatio, toneSamples } from './audio.js';
import { tempDir } from './tmp.js';
import type { RunningProduct } from './product.js';
import { waitFor } from './wait.js';
import { atExit, killAtExit } from '../../scripts/exit-cleanup.js';

export const BARESIP_MODULE_DIR = ['/usr/lib/baresip/modules', '/usr/lib/x86_64-linux-gnu/baresip/modules', '/usr/local/lib/baresip/modules']
  .find((d) => existsSync(d)) ?? '/usr/lib/baresip/modules';

/** Names of ua events baresip 1.0.0 sends (`type` of an event). */
export type BaresipEventType =
  | 'REGISTERING' | 'REGISTER_OK' | 'REGISTER_FAIL' | 'UNREGISTERING'
  | 'CALL_INCOMING' | 'CALL_RINGING' | 'CALL_PROGRESS' | 'CALL_ESTABLISHED' | 'CALL_CLOSED'
  | 'CALL_TRANSFER' | 'CALL_TRANSFER_FAILED' | 'CALL_DTMF_START' | 'CALL_DTMF_END'
  | 'CALL_RTCP' | 'CALL_RTPESTAB' | 'CALL_LOCAL_SDP' | 'CALL_REMOTE_SDP' | 'CALL_MENC'
  | 'AUDIO_ERROR' | 'MWI_NOTIFY' | 'SHUTDOWN' | 'EXIT'
  | (string & {});

export interface BaresipEvent {
  type: BaresipEventType;
  class?: string;
  accountaor?: string;
  direction?: 'incoming' | 'outgoing';
  peeruri?: string;
  peerdisplayname?: string;
  /** SIP Call-ID of the call. */
  id?: string;
  /** e.g. the reason for CALL_CLOSED ("Connection reset by peer", "486 Busy Here"), the digit for DTMF. */
  param?: string;
  /** Date.now() when received. */
  at: number;
  raw: Record<string, unknown>;
}

export type EventMatcher = BaresipEventType | BaresipEventType[] | ((e: BaresipEvent) => boolean);

export type AudioSource =
  | string
  | { toneHz: number | number[]; seconds?: number; amplitude?: number }
  | 'silence'
  | 'none';

export interface BaresipOptions {
  /** SIP user, e.g. '1001'. */
  user: string;
  password?: string;
  /** Register here. Without it the phone is peer-to-peer: reach it at `phone.uri`. */
  registrar?: { host?: string; port: number; transport?: 'udp' | 'tcp' };
  /** answermode=auto (answers at once) or manual (default: call answer()). */
  autoAnswer?: boolean;
  /**
   * What the phone sends: a WAV path (8 kHz mono 16-bit), a generated tone, 'silence' (default,
   * 10 minutes) or 'none' (no audio source: the phone sends no RTP). The call is hung up by
   * baresip when the audio ends.
   */
  audioSource?: AudioSource;
  /** Where the per-call …-enc.wav / …-dec.wav dumps go. Default <configDir>/rec. */
  recordDir?: string;
  /** SIP port (UDP+TCP; TLS takes port+1). Default: free. */
  sipPort?: number;
  displayName?: string;
  /** Registration interval in s (regint), default 60. */
  regint?: number;
  /** Appended to the account line, e.g. ';ptime=20'. */
  extraAccountParams?: string;
  /** Extra config lines ("key value"). */
  extraConfig?: string[];
  /** Wait for REGISTER_OK before resolving (default: true when a registrar is given). */
  waitForRegistration?: boolean;
  startTimeoutMs?: number;
  registerTimeoutMs?: number;
  /** baresip -t: it quits by itself after this many seconds (safety net). Default 600. */
  maxLifetimeSec?: number;
  /** Label in logs and errors. Default the user. */
  name?: string;
  /** Echo baresip's output to the console (also env BARESIP_VERBOSE=1). */
  verbose?: boolean;
}

export interface BaresipPhone {
  readonly name: string;
  readonly user: string;
  readonly sipPort: number;
  readonly ctrlPort: number;
  readonly configDir: string;
  readonly recordDir: string;
  /** Address-of-record of the account. */
  readonly aor: string;
  /** Where to reach this phone directly: sip:user@127.0.0.1:sipPort. */
  readonly uri: string;
  readonly pid: number | undefined;
  /** Every event received so far, in order. */
  readonly events: readonly BaresipEvent[];
  readonly running: boolean;
  /** From the latest register event: 'none' before any, then registering / registered / failed / unregistering. */
  readonly registration: 'none' | 'registering' | 'registered' | 'failed' | 'unregistering';
  /**
   * The oldest event matching that no earlier waitEvent consumed, or the next
   * one to arrive. Rejects on timeout or when baresip dies.
   */
  waitEvent(match: EventMatcher, timeoutMs?: number): Promise<BaresipEvent>;
  /** Resolves on REGISTER_OK, rejects on REGISTER_FAIL / timeout. */
  waitRegistered(timeoutMs?: number): Promise<BaresipEvent>;
  /** Drop unconsumed events (so later waits only see new ones). */
  clearEvents(): void;
  /** A raw ctrl_tcp command; resolves with its text output, rejects when ok=false. */
  command(command: string, params?: string, timeoutMs?: number): Promise<string>;
  /** Dial a URI, or a bare number (completed to the registrar's domain). */
  dial(target: string): Promise<void>;
  answer(): Promise<void>;
  hangup(): Promise<void>;
  hold(): Promise<void>;
  resume(): Promise<void>;
  /** Send DTMF digits (0-9 * # A-D), RFC 4733 when negotiated (else SIP INFO). */
  sendDtmf(digits: string, gapMs?: number): Promise<void>;
  /** Recorded per-call dumps, oldest first: dec = what the phone received, enc = what it sent. */
  recordings(): { dec: string[]; enc: string[] };
  /** Text output of baresip so far (tail). */
  log(): string;
  /** Settles when the process exits. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * SIGTERM (baresip hangs up and unregisters), SIGTERM again after 2 s (exits at once), SIGKILL after 4 s.
   * graceful: false skips the hang-up/unregistration. Recordings stay until the test process exits.
   */
  stop(opts?: { graceful?: boolean }): Promise<void>;
}

const MAX_LOG = 256 * 1024;
const live = new Set<{ stop(opts?: { graceful?: boolean }): Promise<void> }>();
const tempDirs = new Set<string>();
atExit(() => {
  if (keepFiles()) return;
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

/** Stop every phone this process started (for afterEach/afterAll). */
export async function stopAllBaresip(opts?: { graceful?: boolean }): Promise<void> {
  await Promise.all([...live].map((p) => p.stop(opts)));
}

const SILENCE_SECONDS = 600;

function keepFiles(): boolean {
  return process.env.KEEP_BARESIP_FILES === '1' || process.env.KEEP_TEST_FILES === '1';
}

function audioFile(src: AudioSource | undefined, dir: string): string | undefined {
  if (src === 'none') return undefined;
  if (src === undefined || src === 'silence') {
    return cachedWav(`silence-${SILENCE_SECONDS}s`, () => new Float32Array(8000 * SILENCE_SECONDS));
  }
  if (typeof src === 'string') {
    if (!existsSync(src)) throw new Error(`audioSource not found: ${src}`);
    return src;
  }
  const hz = Array.isArray(src.toneHz) ? src.toneHz : [src.toneHz];
  const seconds = src.seconds ?? 60;
  const per = seconds / hz.length;
  const samples = toneSamples({ hz, seconds: per, amplitude: src.amplitude ?? 0.5 });
  const file = path.join(dir, `tone-${hz.join('-')}.wav`);
  // Written per phone: small, and the config dir is deleted with the phone.
  writeFileSync(file, encodeWav(samples));
  return file;
}

function netstring(obj: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(obj), 'utf8');
  return Buffer.concat([Buffer.from(`${body.length}:`), body, Buffer.from(',')]);
}

class NetstringReader {
  private buf = Buffer.alloc(0);
  constructor(private readonly onMessage: (text: string) => void, private readonly onError: (e: Error) => void) {}
  push(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    for (;;) {
      const colon = this.buf.indexOf(0x3a);
      if (colon < 0) {
        if (this.buf.length > 12) this.onError(new Error('ctrl_tcp: bad netstring header'));
        return;
      }
      const len = Number(this.buf.subarray(0, colon).toString('ascii'));
      if (!Number.isInteger(len) || len < 0) {
        this.onError(new Error(`ctrl_tcp: bad netstring length "${this.buf.subarray(0, colon).toString()}"`));
        this.buf = Buffer.alloc(0);
        return;
      }
      if (this.buf.length < colon + 1 + len + 1) return;
      const text = this.buf.subarray(colon + 1, colon + 1 + len).toString('utf8');
      this.buf = this.buf.subarray(colon + 2 + len);
      this.onMessage(text);
    }
  }
}

function connectWithRetry(port: number, deadline: number, isDead: () => string | undefined): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      const dead = isDead();
      if (dead) return reject(new Error(dead));
      if (Date.now() > deadline) return reject(new Error(`ctrl_tcp on 127.0.0.1:${port} did not come up`));
      const sock = net.connect({ port, host: '127.0.0.1' });
      sock.once('connect', () => { sock.removeAllListeners('error'); resolve(sock); });
      sock.once('error', () => { sock.destroy(); setTimeout(attempt, 50); });
    };
    attempt();
  });
}

interface Waiter {
  match: (e: BaresipEvent) => boolean;
  resolve: (e: BaresipEvent) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

function toMatcher(m: EventMatcher): (e: BaresipEvent) => boolean {
  if (typeof m === 'function') return m;
  const types = Array.isArray(m) ? m : [m];
  return (e) => types.includes(e.type);
}

/** Start a phone; resolves once it is controllable (and registered, if a registrar is given). */
export async function startBaresip(opts: BaresipOptions): Promise<BaresipPhone> {
  const name = opts.name ?? opts.user;
  const verbose = opts.verbose ?? process.env.BARESIP_VERBOSE === '1';
  const configDir = tempDir(`baresip-${name}-`);
  tempDirs.add(configDir);
  const recordDir = opts.recordDir ?? path.join(configDir, 'rec');
  mkdirSync(recordDir, { recursive: true });
  const sipPort = opts.sipPort ?? (await freePortRange(2, 'both'));
  const ctrlPort = await freePort('tcp');
  const source = audioFile(opts.audioSource, configDir);

  const config = [
    'poll_method\t\tepoll',
    `sip_listen\t\t127.0.0.1:${sipPort}`,
    'net_interface\t\t127.0.0.1',
    'call_local_timeout\t120',
    'call_max_calls\t\t4',
    ...(source ? [`audio_source\t\taufile,${source}`] : []),
    'audio_buffer\t\t20-160',
    'audio_path\t\t/usr/share/baresip',
    'ausrc_format\t\ts16',
    'auplay_format\t\ts16',
    'auenc_format\t\ts16',
    'audec_format\t\ts16',
    'rtp_ports\t\t40000-49999',
    'jitter_buffer_delay\t5-10',
    'rtp_stats\t\tno',
    'statmode_default\toff',
    `snd_path\t\t${recordDir}`,
    `module_path\t\t${BARESIP_MODULE_DIR}`,
    'module\t\t\tg711.so',
    ...(source ? ['module\t\t\taufile.so'] : []),
    'module\t\t\tsndfile.so',
    'module_app\t\tmenu.so',
    'module_app\t\tctrl_tcp.so',
    `ctrl_tcp_listen\t\t127.0.0.1:${ctrlPort}`,
    ...(opts.extraConfig ?? []),
    '',
  ].join('\n');
  writeFileSync(path.join(configDir, 'config'), config);
  writeFileSync(path.join(configDir, 'accounts'), '');
  writeFileSync(path.join(configDir, 'contacts'), '');

  const reg = opts.registrar;
  const regHost = reg ? `${reg.host ?? '127.0.0.1'}:${reg.port}` : `127.0.0.1:${sipPort}`;
  const regTransport = reg?.transport ?? 'udp';
  const aor = `sip:${opts.user}@${regHost}`;
  const accountParams = [
    reg && opts.password !== undefined ? `auth_pass=${opts.password}` : '',
    `regint=${reg ? opts.regint ?? 60 : 0}`,
    `answermode=${opts.autoAnswer ? 'auto' : 'manual'}`,
  ].filter(Boolean).map((p) => `;${p}`).join('');
  const display = opts.displayName ? `"${opts.displayName.replace(/"/g, '')}" ` : '';
  const account = `${display}<${aor};transport=${regTransport}>${accountParams}${opts.extraAccountParams ?? ''}`;

  const args = ['-f', configDir, '-t', String(opts.maxLifetimeSec ?? 600)];
  const child: ChildProcess = spawn('baresip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  killAtExit(child);

  let output = '';
  const append = (prefix: string) => (d: Buffer): void => {
    // Drop ANSI colours; keep a bounded tail.
    const text = d.toString('utf8').replace(/\x1b\[[0-9;]*m/g, '');
    output = (output + text).slice(-MAX_LOG);
    if (verbose) process.stderr.write(text.split('\n').map((l) => (l ? `[baresip ${name}${prefix}] ${l}` : l)).join('\n'));
  };
  child.stdout?.on('data', append(''));
  child.stderr?.on('data', append('!'));

  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', (err) => { spawnError = err; exitInfo = { code: null, signal: null }; resolve(exitInfo); });
    child.once('exit', (code, signal) => { exitInfo = { code, signal }; resolve(exitInfo); });
  });

  const tail = (): string => output.slice(-3000);
  const deathMessage = (): string | undefined => {
    if (spawnError) return `baresip ${name} could not start: ${spawnError.message}`;
    if (exitInfo) return `baresip ${name} exited (code ${exitInfo.code}, signal ${exitInfo.signal})\n--- output ---\n${tail()}`;
    return undefined;
  };

  // --- events and commands -------------------------------------------------
  const events: BaresipEvent[] = [];
  let unconsumed: BaresipEvent[] = [];
  const waiters = new Set<Waiter>();
  const pending = new Map<string, { resolve: (data: string) => void; reject: (e: Error) => void; timer: NodeJS.Timeout; cmd: string }>();
  let tokenSeq = 0;
  let sock: net.Socket | undefined;
  let closedReason: string | undefined;

  const failAll = (reason: string): void => {
    if (closedReason) return;
    closedReason = reason;
    for (const w of waiters) { clearTimeout(w.timer); w.reject(new Error(reason)); }
    waiters.clear();
    for (const [, p] of pending) { clearTimeout(p.timer); p.reject(new Error(reason)); }
    pending.clear();
  };

  const onEvent = (raw: Record<string, unknown>): void => {
    const str = (k: string): string | undefined => (typeof raw[k] === 'string' ? (raw[k] as string) : undefined);
    const e: BaresipEvent = {
      type: str('type') ?? 'UNKNOWN',
      class: str('class'),
      accountaor: str('accountaor'),
      direction: str('direction') as BaresipEvent['direction'],
      peeruri: str('peeruri'),
      peerdisplayname: str('peerdisplayname'),
      id: str('id'),
      param: str('param'),
      at: Date.now(),
      raw,
    };
    events.push(e);
    if (verbose) process.stderr.write(`[baresip ${name} event] ${e.type} ${e.param ?? ''}\n`);
    for (const w of waiters) {
      if (w.match(e)) {
        waiters.delete(w);
        clearTimeout(w.timer);
        w.resolve(e);
        return;
      }
    }
    unconsumed.push(e);
    if (unconsumed.length > 5000) unconsumed = unconsumed.slice(-5000);
  };

  const onMessage = (text: string): void => {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(text) as Record<string, unknown>;
    } catch {
      output += `\n[harness] unparsable ctrl_tcp message: ${text}\n`;
      return;
    }
    if (msg.event === true || msg.event === 'true') {
      onEvent(msg);
    } else if (msg.response === true) {
      const token = typeof msg.token === 'string' ? msg.token : '';
      const p = pending.get(token);
      if (!p) return;
      pending.delete(token);
      clearTimeout(p.timer);
      const data = typeof msg.data === 'string' ? msg.data : '';
      if (msg.ok === true) p.resolve(data);
      else p.reject(new Error(`baresip ${name}: command "${p.cmd}" failed: ${data}`));
    }
  };

  void exited.then(() => failAll(deathMessage() ?? `baresip ${name} exited`));

  const command = (cmd: string, params?: string, timeoutMs = 3000): Promise<string> => {
    if (closedReason) return Promise.reject(new Error(closedReason));
    const s = sock;
    if (!s) return Promise.reject(new Error(`baresip ${name}: not connected`));
    const token = `t${++tokenSeq}`;
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(token);
        reject(new Error(`baresip ${name}: command "${cmd} ${params ?? ''}" timed out after ${timeoutMs} ms\n--- output ---\n${tail()}`));
      }, timeoutMs);
      pending.set(token, { resolve, reject, timer, cmd: `${cmd} ${params ?? ''}`.trim() });
      const payload: Record<string, string> = { command: cmd, token };
      if (params !== undefined && params !== '') payload.params = params;
      s.write(netstring(payload));
    });
  };

  const waitEvent = (m: EventMatcher, timeoutMs = 5000): Promise<BaresipEvent> => {
    const match = toMatcher(m);
    const idx = unconsumed.findIndex(match);
    if (idx >= 0) {
      const [e] = unconsumed.splice(idx, 1);
      if (e) return Promise.resolve(e);
    }
    if (closedReason) return Promise.reject(new Error(closedReason));
    return new Promise<BaresipEvent>((resolve, reject) => {
      const what = typeof m === 'function' ? 'matching event' : JSON.stringify(m);
      const w: Waiter = {
        match,
        resolve,
        reject,
        timer: setTimeout(() => {
          waiters.delete(w);
          const seen = events.slice(-15).map((e) => `${e.type}${e.param ? `(${e.param})` : ''}`).join(', ');
          reject(new Error(`baresip ${name}: no ${what} within ${timeoutMs} ms; last events: ${seen}\n--- output ---\n${tail()}`));
        }, timeoutMs),
      };
      waiters.add(w);
    });
  };

  let stopping: Promise<void> | undefined;
  const handle = {
    stop: (stopOpts?: { graceful?: boolean }): Promise<void> => {
      stopping ??= (async () => {
        if (!exitInfo) {
          child.kill('SIGTERM');
          const graceMs = stopOpts?.graceful === false ? 50 : 2000;
          const t1 = setTimeout(() => { if (!exitInfo) child.kill('SIGTERM'); }, graceMs);
          const t2 = setTimeout(() => { if (!exitInfo) child.kill('SIGKILL'); }, graceMs + 2000);
          await exited;
          clearTimeout(t1);
          clearTimeout(t2);
        }
        sock?.destroy();
        live.delete(handle);
        // Recordings stay readable after stop(); the whole temp dir goes when the test process exits.
        if (!keepFiles()) {
          for (const f of readdirSync(configDir)) {
            if (f !== 'rec') rmSync(path.join(configDir, f), { recursive: true, force: true });
          }
        }
      })();
      return stopping;
    },
  };
  live.add(handle);

  // --- connect, create the account ----------------------------------------
  const startDeadline = Date.now() + (opts.startTimeoutMs ?? 5000);
  try {
    sock = await connectWithRetry(ctrlPort, startDeadline, deathMessage);
    const reader = new NetstringReader(onMessage, (e) => { output += `\n[harness] ${e.message}\n`; });
    sock.on('data', (d: Buffer) => reader.push(d));
    sock.on('close', () => failAll(deathMessage() ?? `baresip ${name}: ctrl_tcp connection closed\n--- output ---\n${tail()}`));
    sock.on('error', () => { /* close follows */ });
    await command('uanew', account, Math.max(1000, startDeadline - Date.now()));
  } catch (err) {
    await handle.stop({ graceful: false });
    throw err;
  }

  const phone: BaresipPhone = {
    name,
    user: opts.user,
    sipPort,
    ctrlPort,
    configDir,
    recordDir,
    aor,
    uri: `sip:${opts.user}@127.0.0.1:${sipPort}`,
    pid: child.pid,
    events,
    get running() { return !exitInfo; },
    get registration() {
      const last = [...events].reverse().find((e) => e.class === 'register');
      switch (last?.type) {
        case 'REGISTERING': return 'registering';
        case 'REGISTER_OK': return 'registered';
        case 'REGISTER_FAIL': return 'failed';
        case 'UNREGISTERING': return 'unregistering';
        default: return 'none';
      }
    },
    waitEvent,
    async waitRegistered(timeoutMs = opts.registerTimeoutMs ?? 5000) {
      const e = await waitEvent(['REGISTER_OK', 'REGISTER_FAIL'], timeoutMs);
      if (e.type === 'REGISTER_FAIL') throw new Error(`baresip ${name}: registration failed: ${e.param ?? ''}`);
      return e;
    },
    clearEvents() { unconsumed = []; },
    command,
    async dial(target: string) {
      let uri = target;
      if (!/^sips?:/i.test(target)) {
        uri = reg ? `sip:${target}@${regHost};transport=${regTransport}` : `sip:${target}`;
      }
      await command('dial', uri);
    },
    async answer() { await command('accept'); },
    async hangup() { await command('hangup'); },
    async hold() { await command('hold'); },
    async resume() { await command('resume'); },
    async sendDtmf(digits: string, gapMs = 250) {
      for (const d of digits) {
        await command('sndcode', d);
        await new Promise((r) => setTimeout(r, gapMs));
      }
    },
    recordings() {
      let files: string[] = [];
      try { files = readdirSync(recordDir).filter((f) => f.startsWith('dump-')).sort(); } catch { /* none */ }
      return {
        dec: files.filter((f) => f.endsWith('-dec.wav')).map((f) => path.join(recordDir, f)),
        enc: files.filter((f) => f.endsWith('-enc.wav')).map((f) => path.join(recordDir, f)),
      };
    },
    log() { return output; },
    exited,
    stop: handle.stop,
  };

  if (reg && (opts.waitForRegistration ?? true)) {
    try {
      await phone.waitRegistered(opts.registerTimeoutMs ?? 5000);
    } catch (err) {
      await handle.stop({ graceful: false });
      throw err;
    }
  }
  return phone;
}

/**
 * A demo extension's phone (password `demo-<extension>`) that answers
 * nothing and sends silence: a caller who only listens to what the product
 * plays, recorded in its dump.
 */
export function startListeningPhone(sipPort: number, extension = '1005'): Promise<BaresipPhone> {
  return startBaresip({
    user: extension, password: `demo-${extension}`, autoAnswer: false, audioSource: 'silence',
    registrar: { host: '127.0.0.1', port: sipPort, transport: 'udp' },
  });
}

/**
 * A demo agent's desk phone (password `demo-<extension>`) registered with
 * the product over UDP; resolves once the ACD has the agent ready.
 */
export async function startAgentPhone(
  product: RunningProduct, extension: string, opts: { autoAnswer: boolean; audioSource: AudioSource },
): Promise<BaresipPhone> {
  const phone = await startBaresip({
    user: extension, password: `demo-${extension}`, ...opts,
    registrar: { host: '127.0.0.1', port: product.sipPort, transport: 'udp' },
  });
  await waitFor(() => product.app.acd.agent(extension)?.state === 'ready', { what: `agent ${extension} ready`, timeoutMs: 5_000 });
  return phone;
}

/** The dominant frequency of the last second a phone heard in its latest call. */
export function lastSecondHeard(phone: BaresipPhone): number {
  const heard = readWav(phone.recordings().dec.at(-1)!);
  const end = heard.samples.length;
  return dominantFrequency(heard.samples, heard.sampleRate, { from: Math.max(0, end - heard.sampleRate), to: end });
}

/**
 * The second a dump's audio began, from its name (dump-YYYY-MM-DD-HH-MM-SS-dec.wav,
 * local time): the names sort in the order the calls were made, and two calls
 * that begin in the same second share one file, the later overwriting it.
 */
function dumpSecond(file: string): number {
  const m = /dump-(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-/.exec(path.basename(file));
  if (!m) return 0;
  const [y, mo, d, h, mi, sec] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return new Date(y, mo - 1, d, h, mi, sec).getTime() / 1000;
}

/**
 * The dump of the phone's latest answered call, once there is one: the newest
 * dump begun no earlier than a second before the call was established.
 */
function latestCallDump(phone: BaresipPhone): string | undefined {
  const established = phone.events.filter((e) => e.type === 'CALL_ESTABLISHED').at(-1);
  if (!established) return undefined;
  const from = Math.floor(established.at / 1000) - 1;
  return phone.recordings().dec.filter((f) => dumpSecond(f) >= from).at(-1);
}

/**
 * Seconds of audio the phone has received so far in its latest answered
 * call: the dump grows as the phone hears (its header is patched only at the
 * end).
 */
export function secondsHeard(phone: BaresipPhone): number {
  const dump = latestCallDump(phone);
  return dump ? readWav(dump).durationSec : 0;
}

/** Resolves once the phone has heard `seconds` of its latest answered call. */
export function heardFor(phone: BaresipPhone, seconds: number, timeoutMs = 20_000): Promise<void> {
  return waitFor(() => secondsHeard(phone) >= seconds, { what: `${phone.name} to hear ${seconds} s of its call`, timeoutMs });
}

/**
 * Resolves with the second of the phone's latest answered call at which it
 * began to hear a steady `hz` tone (a beep, its own voice played back),
 * looking from `fromSec` on.
 */
export async function toneHeard(phone: BaresipPhone, hz: number, opts: { fromSec?: number; timeoutMs?: number } = {}): Promise<number> {
  let at: number | undefined;
  await waitFor(() => {
    const dump = latestCallDump(phone);
    if (!dump) return false;
    const { samples, sampleRate } = readWav(dump);
    const window = sampleRate / 10;
    for (let i = Math.floor((opts.fromSec ?? 0) * sampleRate); i + window <= samples.length; i += window / 2) {
      if (rms(samples, i, i + window) > 0.01 && toneRatio(samples, sampleRate, hz, i, i + window) > 0.8) {
        at = i / sampleRate;
        return true;
      }
    }
    return false;
  }, { what: `${phone.name} to hear a ${hz} Hz tone after ${opts.fromSec ?? 0} s of its call`, timeoutMs: opts.timeoutMs ?? 20_000, everyMs: 50 });
  return at!;
}

/**
 * How long a call's conversation lasts, as heard by a phone, in tests that
 * read the last second it heard (lastSecondHeard): that second is then all
 * conversation.
 */
export const TALK_SECONDS = 1.5;

/** Resolves once the phone has answered (or got answered) a call at or after `at` (Date.now()). */
export function establishedSince(phone: BaresipPhone, at: number, timeoutMs = 10_000): Promise<void> {
  return waitFor(() => phone.events.some((e) => e.type === 'CALL_ESTABLISHED' && e.at >= at), { what: `${phone.name} to have a call established`, timeoutMs });
}

/** Resolves once the phone has heard `seconds` more of its latest answered call than it had when called. */
export function heardMore(phone: BaresipPhone, seconds: number, timeoutMs = 20_000): Promise<void> {
  return heardFor(phone, secondsHeard(phone) + seconds, timeoutMs);
}

/** True when the WAV file's RIFF size has been patched to the file's length, as the writer does when it closes it. */
function wavFinished(file: string): boolean {
  const length = statSync(file).size;
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(8);
    return readSync(fd, head, 0, 8, 0) === 8 && length > 44 && head.readUInt32LE(4) === length - 8;
  } finally {
    closeSync(fd);
  }
}

/**
 * Resolves with the dump of the phone's latest answered call once it is
 * closed, which baresip does after the call ends: read it only then, or its
 * last moments may be missing.
 */
export function recordingClosed(phone: BaresipPhone, timeoutMs = 10_000): Promise<string> {
  let dump: string | undefined;
  return waitFor(() => {
    dump = latestCallDump(phone);
    return dump !== undefined && wavFinished(dump);
  }, { what: `${phone.name}'s recording of its call closed`, timeoutMs }).then(() => dump!);
}
