/**
 * The answers the embedded server gives itself before a request reaches an
 * application (RFC 3261 section 8.2), one rule at a time.
 */
import { describe, expect, it } from 'vitest';
import { refusalOf, type AdmissionContext } from '../../server/sipd/admission.js';
import { parseMessage } from '../../server/sipd/message.js';

function req(method: string, extra: string[] = [], uri = 'sip:1001@switch.example', body = ''): ReturnType<typeof parseMessage> {
  return parseMessage([
    `${method} ${uri} SIP/2.0`, 'Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK-a', 'Max-Forwards: 70', 'From: <sip:a@b>;tag=1',
    'To: <sip:1001@switch.example>', 'Call-ID: adm-1', `CSeq: 1 ${method}`, ...extra, `Content-Length: ${Buffer.byteLength(body)}`,
  ].join('\r\n') + '\r\n\r\n' + body, { datagram: true });
}

const served: AdmissionContext = { inDialog: false, known: true, handled: true, inService: true, allow: () => ['INVITE', 'OPTIONS', 'ACK'] };

describe('the server\'s own answers', () => {
  it('an unknown method is 501 with Allow; a known one nobody takes is 405 with Allow', () => {
    expect(refusalOf(req('FROBNICATE'), { ...served, known: false, handled: false }))
      .toEqual({ status: 501, headers: [['Allow', 'INVITE, OPTIONS, ACK']] });
    expect(refusalOf(req('MESSAGE'), { ...served, handled: false })).toEqual({ status: 405, headers: [['Allow', 'INVITE, OPTIONS, ACK']] });
  });

  it('an INVITE, REGISTER or OPTIONS nobody takes yet is left for the 503 of a server still starting', () => {
    for (const method of ['INVITE', 'REGISTER', 'OPTIONS']) expect(refusalOf(req(method), { ...served, handled: false })).toBeUndefined();
  });

  it('without any application at all, nothing is refused here (the server answers 503)', () => {
    expect(refusalOf(req('FROBNICATE'), { ...served, known: false, handled: false, inService: false })).toBeUndefined();
  });

  it('in a dialog the method is the dialog\'s business', () => {
    expect(refusalOf(req('FROBNICATE'), { ...served, inDialog: true, known: false })).toBeUndefined();
  });

  it('a Request-URI scheme other than sip, sips or tel is 416', () => {
    expect(refusalOf(req('OPTIONS', [], 'nobodyKnowsThisScheme:totallyopaquecontent'), served)?.status).toBe(416);
    expect(refusalOf(req('OPTIONS', [], 'tel:+46313900601'), served)).toBeUndefined();
  });

  it('Require with unknown option tags is 420 listing them in Unsupported; known ones pass', () => {
    expect(refusalOf(req('OPTIONS', ['Require: timer, nothingSupportsThis']), served))
      .toEqual({ status: 420, headers: [['Unsupported', 'nothingSupportsThis']] });
    expect(refusalOf(req('INVITE', ['Require: timer, 100rel']), served)).toBeUndefined();
  });

  it('an INVITE with a body it cannot read is 415 with Accept; one whose Accept rules out SDP is 406', () => {
    const unknown = refusalOf(req('INVITE', ['Content-Type: application/unknownformat'], undefined, '<audio/>'), served);
    expect(unknown?.status).toBe(415);
    expect(unknown?.headers[0]?.[1]).toContain('application/sdp');
    expect(refusalOf(req('INVITE', ['Accept: text/nobodyKnowsThis']), served)?.status).toBe(406);
    expect(refusalOf(req('INVITE', ['Accept: application/sdp, text/plain']), served)).toBeUndefined();
    expect(refusalOf(req('INFO', ['Content-Type: application/dtmf-relay'], undefined, 'Signal=1'), served)).toBeUndefined();
  });
});
