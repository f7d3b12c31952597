/** Reading a re-INVITE's offer: does it put the other party on hold? */
import { describe, expect, it } from 'vitest';
import { offerHolds } from '../../media/hold.js';

const offer = (audio: string[], session: string[] = [], address = '127.0.0.1'): string => [
  'v=0', 'o=phone 1 2 IN IP4 127.0.0.1', 's=-', `c=IN IP4 ${address}`, 't=0 0', ...session,
  'm=audio 4000 RTP/AVP 0 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', ...audio, '',
].join('\r\n');

describe('offerHolds', () => {
  it('holds on sendonly or inactive audio, by the stream\'s own attribute or the session\'s', () => {
    expect(offerHolds(offer(['a=sendonly']))).toBe(true);
    expect(offerHolds(offer(['a=inactive']))).toBe(true);
    expect(offerHolds(offer([], ['a=sendonly']))).toBe(true);
  });

  it('holds on the old c=0.0.0.0 some desk phones still send', () => {
    expect(offerHolds(offer(['a=sendrecv'], [], '0.0.0.0'))).toBe(true);
  });

  it('does not hold on sendrecv, recvonly, no direction (sendrecv), a stream attribute over the session\'s, or no audio', () => {
    expect(offerHolds(offer(['a=sendrecv']))).toBe(false);
    expect(offerHolds(offer(['a=recvonly']))).toBe(false);
    expect(offerHolds(offer([]))).toBe(false);
    expect(offerHolds(offer(['a=sendrecv'], ['a=sendonly']))).toBe(false);
    expect(offerHolds('v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 4000 RTP/AVP 96\r\n')).toBe(false);
    expect(offerHolds('not sdp at all')).toBe(false);
  });
});
