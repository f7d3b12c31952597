/**
 * The embedded SIP server on a thread of its own (config `sip.engineThread`).
 *
 * In the app's thread the engine, the application and both ends of
 * drachtio's wire protocol share one core; drachtio-server runs beside the
 * application instead, on a core of its own. Here the engine runs in a
 * worker thread (./engine-worker.ts) and the application connects to its
 * control port over loopback TCP, as it would to drachtio-server. The
 * worker is given what the engine needs as data (the configuration, the
 * TLS files, the control secret, the log level); the addresses the app's
 * throttle blocks reach it as messages.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Config } from '../../config/schema.js';
import type { TlsFiles } from '../net/tls.js';

export interface EngineWorkerData {
  config: Config;
  tls: TlsFiles | undefined;
  secret: string;
  logLevel: string;
  /** The process's standard output is a terminal: the worker's lines are made readable as the main thread's are. */
  terminal: boolean;
}

/** What the worker says once, when it listens or could not. */
export type EngineWorkerReply =
  | { type: 'listening'; controlPort: number }
  | { type: 'failed'; message: string; code?: string; port?: number; address?: string };

/** What the app tells the worker. */
export type EngineWorkerCommand =
  | { type: 'block'; address: string; until: number }
  | { type: 'stop' };

/** How long a stopping engine may take to end its transactions and close its sockets before the thread is ended. */
const STOP_GRACE_MS = 5_000;

/**
 * From dist the worker is plain JavaScript. From the sources (tsx, vitest)
 * it is TypeScript and needs tsx's loader in its own thread (Node 20 does
 * not apply a loader given by --import to a worker): a one-line start that
 * loads it through tsx.
 */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(`./engine-worker.${FROM_SOURCE ? 'ts' : 'js'}`, import.meta.url);

function newWorker(data: EngineWorkerData): Worker {
  if (!FROM_SOURCE) return new Worker(WORKER_URL, { workerData: data });
  const start = `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(WORKER_URL.href)}, ${JSON.stringify(import.meta.url)}))`;
  return new Worker(start, { eval: true, workerData: data });
}

export class EngineThread {
  /** Settles when the thread has ended, for whatever reason. */
  private readonly ended: Promise<unknown>;

  private constructor(private readonly worker: Worker, readonly controlPort: number) {
    // Not events.once: it would reject on the thread's 'error', which is reported apart.
    this.ended = new Promise((resolve) => worker.once('exit', resolve));
  }

  /** Starts the engine's thread; resolves once the engine listens, rejects with the engine's own start-up error. */
  static async start(data: EngineWorkerData, logger: Logger): Promise<EngineThread> {
    const worker = newWorker(data);
    const reply = await new Promise<EngineWorkerReply>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the SIP engine's thread ended (exit code ${code}) before it listened`)));
    }).finally(() => worker.removeAllListeners());
    if (reply.type === 'failed') {
      await worker.terminate();
      const { message, ...details } = reply;
      throw Object.assign(new Error(message), details);
    }
    // The worker logs and survives an uncaught error as the main thread does (./engine-worker.ts); should it end anyway, say so.
    worker.on('error', (err) => logger.error({ err, component: 'sipd' }, 'the SIP engine\'s thread ended: SIP is down until a restart'));
    return new EngineThread(worker, reply.controlPort);
  }

  /** The app's throttle blocked this address until then (ms since the epoch): the engine drops its new requests too. */
  blockSource(address: string, until: number): void {
    this.send({ type: 'block', address, until });
  }

  /** Stops the engine (its transactions end, its sockets close) and waits for its thread to end. */
  async stop(): Promise<void> {
    this.worker.removeAllListeners('error');
    this.worker.on('error', () => {});
    this.send({ type: 'stop' });
    const timer = setTimeout(() => void this.worker.terminate(), STOP_GRACE_MS);
    await this.ended;
    clearTimeout(timer);
  }

  private send(command: EngineWorkerCommand): void {
    this.worker.postMessage(command);
  }
}
