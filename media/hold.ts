/**
 * Whether an SDP offer puts the other party on hold (RFC 3264 section 8.4,
 * and the older c=0.0.0.0 of RFC 2543 that some desk phones still send):
 * the audio stream is sendonly or inactive, by its own attribute or the
 * session's. Engine-neutral: the calls layer reads a phone's re-INVITE with
 * it, whichever media engine answers the offer.
 */
import sdpTransform from 'sdp-transform';

export function offerHolds(sdp: string): boolean {
  let session: sdpTransform.SessionDescription;
  try {
    session = sdpTransform.parse(sdp);
  } catch {
    return false;
  }
  const audio = session.media.find((m) => m.type === 'audio');
  if (!audio) return false;
  const direction = audio.direction ?? session.direction ?? 'sendrecv';
  const address = audio.connection?.ip ?? session.connection?.ip;
  return direction === 'sendonly' || direction === 'inactive' || address === '0.0.0.0';
}
