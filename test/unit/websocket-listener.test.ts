/**
 * Where the embedded engine's WebSocket port listens: the SIP address with a
 * certificate (WSS), loopback for plain WebSocket unless the operator allows
 * it beyond. The wire behaviour is in test/integration/softphone-wss.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { webSocketHost, webSocketListener } from '../../server/sipd/websocket-listener.js';

const sip = (host: string, allowPlainWebSocket = false) => ({ host, wsPort: 8088, allowPlainWebSocket });

describe('the WebSocket listener', () => {
  it.each([
    ['0.0.0.0', '127.0.0.1'],
    ['192.0.2.20', '127.0.0.1'],
    ['::', '::1'],
    ['2001:db8::20', '::1'],
    ['127.0.0.2', '127.0.0.2'],
    ['::1', '::1'],
  ])('plain WebSocket with sip.host %s listens on %s', (host, expected) => {
    expect(webSocketHost(sip(host), false)).toBe(expected);
  });

  it('listens on sip.host when secure, or when plain WebSocket is allowed there', () => {
    expect(webSocketHost(sip('0.0.0.0'), true)).toBe('0.0.0.0');
    expect(webSocketHost(sip('0.0.0.0', true), false)).toBe('0.0.0.0');
  });

  it('carries the certificate only when there is one', () => {
    const tls = { cert: Buffer.from('cert'), key: Buffer.from('key') };
    expect(webSocketListener(sip('0.0.0.0'), tls)).toEqual({ port: 8088, host: '0.0.0.0', tls });
    expect(webSocketListener(sip('0.0.0.0'), undefined)).toEqual({ port: 8088, host: '127.0.0.1' });
  });
});
