/**
 * A phone's transfer request on one of our dialogs (REFER, RFC 3515) on
 * drachtio-srf: Refer-To is read, the request accepted with 202 and the
 * phone kept told how it goes with NOTIFYs carrying a sipfrag status line
 * (100 Trying, then the final status). A Refer-To with Replaces (RFC 3891)
 * names the phone's consultation call: an attended transfer.
 *
 * A REFER we cannot read gets 400; one on a leg that takes no transfers
 * (nothing listens) gets 403, so a phone never believes a transfer
 * happened that did not.
 */
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { DialogRef, PhoneTransfer } from './telephony.js';

/** How long the implicit subscription may last, in seconds (RFC 3515 leaves it to the notifier). */
const SUBSCRIPTION_SECONDS = 60;

export type ReferTarget = Pick<PhoneTransfer, 'target' | 'replaces'>;

/** Refer-To's user part and Replaces, or why it cannot be read. */
export function parseReferTo(value: string | undefined): ReferTarget | { error: string } {
  if (!value) return { error: 'no Refer-To' };
  const uri = /<([^>]*)>/.exec(value)?.[1] ?? value.split(';')[0]!.trim();
  const match = /^sips?:(?:([^@;?]+)@)?[^?]*(?:\?(.*))?$/i.exec(uri);
  if (!match) return { error: 'Refer-To is not a SIP URI' };
  let target = '';
  try {
    target = decodeURIComponent(match[1] ?? '');
  } catch {
    return { error: 'Refer-To has a badly escaped user' };
  }
  const replaces = headerParam(match[2], 'Replaces');
  // A consultation call is named by Replaces alone: phones refer to the dialog's remote target, often without a user.
  if (replaces === undefined) return target ? { target } : { error: 'Refer-To is a SIP URI without a user' };
  const ref = parseReplaces(replaces);
  return ref ? { target, replaces: ref } : { error: 'Refer-To has an unreadable Replaces' };
}

/** One header of a URI's `?a=b&c=d` part, unescaped. */
function headerParam(headers: string | undefined, name: string): string | undefined {
  for (const pair of headers?.split('&') ?? []) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).toLowerCase() === name.toLowerCase()) {
      try {
        return decodeURIComponent(pair.slice(eq + 1));
      } catch {
        return '';
      }
    }
  }
  return undefined;
}

/** `call-id;to-tag=x;from-tag=y` (RFC 3891). */
export function parseReplaces(value: string): DialogRef | undefined {
  const [callId, ...params] = value.split(';').map((p) => p.trim());
  const param = (name: string): string | undefined =>
    params.find((p) => p.toLowerCase().startsWith(`${name}=`))?.slice(name.length + 1);
  const toTag = param('to-tag');
  const fromTag = param('from-tag');
  return callId && toTag && fromTag ? { callId, toTag, fromTag } : undefined;
}

/** Answers the dialog's REFERs: each readable one goes to the listener, accepted, once one is set. */
export function listenForRefer(dialog: Srf.Dialog, log: Logger): (fn: (transfer: PhoneTransfer) => void) => void {
  let listener: ((transfer: PhoneTransfer) => void) | undefined;
  dialog.on('refer', (req: Srf.SrfRequest, res: Srf.SrfResponse) => {
    const parsed = parseReferTo(req.get('Refer-To'));
    if ('error' in parsed) {
      log.info({ reason: parsed.error }, 'REFER refused: unreadable');
      res.send(400, { headers: { Warning: `399 vaxel "${parsed.error}"` } });
      return;
    }
    if (!listener) {
      log.info({ target: parsed.target }, 'REFER refused: this call takes no transfers');
      res.send(403);
      return;
    }
    res.send(202);
    listener({ ...parsed, progress: (status, reason) => notify(dialog, status, reason, log) });
  });
  return (fn) => { listener = fn; };
}

function notify(dialog: Srf.Dialog, status: number, reason: string, log: Logger): void {
  const final = status >= 200;
  dialog.request({
    method: 'NOTIFY',
    headers: {
      Event: 'refer',
      'Subscription-State': final ? 'terminated;reason=noresource' : `active;expires=${SUBSCRIPTION_SECONDS}`,
      'Content-Type': 'message/sipfrag;version=2.0',
    },
    body: `SIP/2.0 ${status} ${reason}\r\n`,
  } as unknown as Srf.SrfRequest).catch((err: unknown) => {
    // The phone hung up meanwhile: nobody is left to tell.
    log.debug({ reason: String(err), status }, 'transfer NOTIFY not delivered');
  });
}
