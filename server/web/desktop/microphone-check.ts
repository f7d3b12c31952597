/**
 * Whether the softphone can use a microphone: asked once (the browser asks
 * the user), then let go at once. The answer says why not in terms the
 * agent can act on.
 */
export type MicrophoneCheck = 'ok' | 'denied' | 'missing' | 'unavailable';

export async function checkMicrophone(): Promise<MicrophoneCheck> {
  // Over plain HTTP other than on this machine the browser offers no microphone at all.
  if (!navigator.mediaDevices?.getUserMedia) return 'unavailable';
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    for (const track of stream.getTracks()) track.stop();
    return 'ok';
  } catch (err) {
    const name = err instanceof DOMException ? err.name : '';
    if (name === 'NotAllowedError' || name === 'SecurityError') return 'denied';
    if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'missing';
    return 'unavailable';
  }
}
