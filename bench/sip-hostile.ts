/**
 * Figure: CPU time the embedded SIP server spends per OPTIONS it answers and
 * per hostile request it refuses, so floods can be priced.
 *
 *   npx tsx bench/sip-hostile.ts [--count 2000] [--batch 100] [--json FILE]
 *
 * The embedded SIP server and a drachtio-srf application that answers OPTIONS
 * 200 run in a child process (the same pair as the product's SIP side, without
 * the product's routing); this process sends over UDP on loopback, in
 * batches of --batch, each batch answered (or 5 s gone) before the next, so
 * nothing is lost to the socket buffers. Every kind is sent 500 times once
 * before any measurement and again just before its own. The child's CPU (user + system, from
 * process.cpuUsage, server and application together) over each kind of
 * request, divided by the requests, is the figure. Kinds:
 *
 * - options: a well-formed OPTIONS, answered 200 by the application;
 * - long-display-name: an OPTIONS whose From has an 8 kB quoted display name
 *   (the grammar's worst case);
 * - bad-via: an OPTIONS whose Via the grammar cannot read;
 * - unknown-method: a well-formed request with a method nobody implements;
 * - hostile-header: an OPTIONS with a header named "constructor".
 *
 * The status each kind got is printed beside it (the first one seen).
 */
import { fork } from 'node:child_process';
import dgram from 'node:dgram';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import Srf from 'drachtio-srf';
import { SipServer } from '../server/sipd/server.js';
import { createLogger } from '../server/log.js';
import { positive, printRunHeader, runMain, writeJsonResults } from './lib/cli.js';
import { benchPort } from './lib/ports.js';

interface CpuReply {
  user: number;
  system: number;
}

const KINDS = ['options', 'long-display-name', 'bad-via', 'unknown-method', 'hostile-header'] as const;
type Kind = (typeof KINDS)[number];

function message(kind: Kind, port: number, n: number): { text: string; callId: string } {
  const callId = `${randomUUID()}@bench`;
  const from = kind === 'long-display-name' ? `"${'a'.repeat(8_000)}" <sip:bench@127.0.0.1>;tag=${n}` : `<sip:bench@127.0.0.1>;tag=${n}`;
  const via = kind === 'bad-via' ? 'SIP/2.0/UDP 127.0.0.1;;,;,,' : `SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-${randomUUID()};rport`;
  const method = kind === 'unknown-method' ? 'FROBNICATE' : 'OPTIONS';
  const lines = [
    `${method} sip:127.0.0.1 SIP/2.0`, `Via: ${via}`, 'Max-Forwards: 70', `From: ${from}`, 'To: <sip:127.0.0.1>',
    `Call-ID: ${callId}`, `CSeq: 1 ${method}`,
    ...(kind === 'hostile-header' ? ['constructor: {"polluted": true}'] : []),
    'Content-Length: 0',
  ];
  return { text: `${lines.join('\r\n')}\r\n\r\n`, callId };
}

/** The child: the server and its application, answering CPU questions over IPC. */
async function serve(): Promise<void> {
  const sipPort = await benchPort();
  const controlPort = await benchPort();
  const secret = randomUUID();
  const sipd = new SipServer({
    host: '127.0.0.1', sipPort, controlHost: '127.0.0.1', controlPort, secret, logger: createLogger('silent'),
  });
  await sipd.start();
  const srf = new Srf();
  await new Promise<void>((resolve, reject) => {
    srf.on('connect', (err) => (err ? reject(err) : resolve()));
    void srf.connect({ host: '127.0.0.1', port: controlPort, secret });
  });
  srf.use('options', (_req, res) => res.send(200));
  process.on('message', (m) => {
    if (m === 'cpu') process.send!(process.cpuUsage());
    if (m === 'stop') {
      srf.disconnect();
      void sipd.stop().then(() => process.exit(0));
    }
  });
  process.send!({ port: sipPort });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { count: { type: 'string', default: '2000' }, batch: { type: 'string', default: '100' },
    json: { type: 'string' } } });
  const count = positive('count', values.count);
  const batch = positive('batch', values.batch);
  const { startedAt, machine } = printRunHeader('sip-hostile');

  const child = fork(new URL(import.meta.url).pathname, ['--serve'], { execArgv: process.execArgv });
  const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve((m as { port: number }).port)));
  const cpu = (): Promise<number> => new Promise((resolve) => {
    child.once('message', (m) => resolve(((m as CpuReply).user + (m as CpuReply).system) / 1000));
    child.send('cpu');
  });

  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  socket.setRecvBufferSize(4 * 1024 * 1024);
  const answers = new Map<string, number>();
  let wake: (() => void) | undefined;
  socket.on('message', (buf) => {
    const text = buf.toString('latin1');
    const status = Number(/^SIP\/2\.0 (\d{3})/.exec(text)?.[1]);
    const callId = /\r\nCall-ID: *([^\r\n]+)/i.exec(text)?.[1];
    if (callId && status >= 200) answers.set(callId, status);
    wake?.();
  });

  /** Sends `total` requests of `kind`, batch by batch; returns the child's CPU ms spent and the statuses seen. */
  const run = async (kind: Kind, total: number): Promise<{ spent: number; answered: number; statuses: Map<number, number> }> => {
    const statuses = new Map<number, number>();
    let answered = 0;
    const before = await cpu();
    for (let start = 0; start < total; start += batch) {
      const sent = Array.from({ length: Math.min(batch, total - start) }, (_, i) => message(kind, socket.address().port, start + i));
      for (const m of sent) socket.send(m.text, port, '127.0.0.1');
      const deadline = Date.now() + 5_000;
      while (sent.some((m) => !answers.has(m.callId)) && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 50);
        });
      }
      for (const m of sent) {
        const status = answers.get(m.callId);
        if (status !== undefined) {
          answered++;
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
        answers.delete(m.callId);
      }
    }
    return { spent: (await cpu()) - before, answered, statuses };
  };

  // Warm-up outside the measurement: every kind once (code compiled, caches filled), then each kind again before its turn.
  const warmUp = Math.min(500, count);
  for (const kind of KINDS) await run(kind, warmUp);
  const results: Array<{ kind: Kind; requests: number; answered: number; status: string; cpuMsPerRequest: number }> = [];
  for (const kind of KINDS) {
    await run(kind, warmUp);
    const { spent, answered, statuses } = await run(kind, count);
    const status = [...statuses].map(([s, n]) => `${s}x${n}`).join(' ') || 'none';
    results.push({ kind, requests: count, answered, status, cpuMsPerRequest: spent / count });
    console.log(`${kind.padEnd(18)} requests ${count}  answered ${answered}  status ${status.padEnd(10)}  CPU ${(spent / count).toFixed(3)} ms/request`);
  }
  socket.close();
  child.send('stop');
  if (values.json) writeJsonResults(values.json, startedAt, machine, results);
}

if (process.argv.includes('--serve')) runMain(serve);
else runMain(main);
