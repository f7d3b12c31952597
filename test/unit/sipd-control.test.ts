/**
 * The embedded SIP server's side of drachtio's wire protocol
 * (server/sipd/control.ts), spoken by hand over a real TCP connection:
 * frames written in one turn leave together, and a refusal written just
 * before the connection is closed still reaches the application.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlServer } from '../../server/sipd/control.js';
import { createLogger } from '../../server/log.js';

const servers: ControlServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

async function start(): Promise<ControlServer> {
  const server = new ControlServer({
    host: '127.0.0.1', port: 0, secret: 's3cret', hostports: () => 'udp/127.0.0.1:5060', version: 'test', logger: createLogger('silent'),
  });
  await server.start();
  servers.push(server);
  return server;
}

function frame(text: string): string {
  return `${Buffer.byteLength(text)}#${text}`;
}

/** Everything the server sends on a connection until it closes it. */
function connect(port: number): { socket: net.Socket; received: Promise<string> } {
  const socket = net.connect({ host: '127.0.0.1', port });
  const received = new Promise<string>((resolve) => {
    let text = '';
    socket.on('data', (d) => (text += d.toString('utf8')));
    socket.on('close', () => resolve(text));
  });
  return { socket, received };
}

describe('the control connection', () => {
  it('answers a command sent before authenticating with NOK, then closes', async () => {
    const server = await start();
    const { socket, received } = connect(server.port);
    socket.write(frame('m1|ping'));
    const text = await received;
    expect(text).toMatch(/^\d+#[^|]+\|response\|m1\|NOK\|not authenticated$/);
  });

  it('answers every frame of a burst, in order, each with its own message id', async () => {
    const server = await start();
    const { socket, received } = connect(server.port);
    socket.write(frame('a|authenticate|s3cret') + frame('b|ping') + frame('c|route|invite') + frame('d|ping'));
    const answers: string[] = [];
    let buffer = '';
    socket.on('data', (d) => {
      buffer += d.toString('utf8');
      for (let hash = buffer.indexOf('#'); hash > 0; hash = buffer.indexOf('#')) {
        const length = Number(buffer.slice(0, hash));
        if (buffer.length < hash + 1 + length) break;
        answers.push(buffer.slice(hash + 1, hash + 1 + length));
        buffer = buffer.slice(hash + 1 + length);
      }
      if (answers.length === 4) socket.end();
    });
    await received;
    expect(answers.map((a) => a.split('|').slice(1, 4).join('|'))).toEqual([
      'response|a|OK', 'response|b|OK', 'response|c|OK', 'response|d|OK',
    ]);
    expect(new Set(answers.map((a) => a.split('|')[0])).size).toBe(4);
  });
});
