/**
 * The signature a receiver checks (README "Webhooks"):
 *
 *   Vaxel-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the webhook's secret>
 *
 * The time is signed with the body, so a receiver can refuse an old
 * delivery replayed by someone who captured it. Each attempt is signed
 * afresh with its own time.
 */
import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'Vaxel-Signature';

export function signatureHeader(secret: string, unixSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}
