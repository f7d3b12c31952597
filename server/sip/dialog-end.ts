/**
 * The end of a dialog, however it comes: the far end hangs up (drachtio-srf's
 * 'destroy' event) or we do (destroy(), which drachtio-srf does not announce
 * with an event). What a dialog holds (a place among the calls out, a
 * session timer) is let go of here.
 */
import type Srf from 'drachtio-srf';

/** Runs `fn` once when the dialog ends, from either side. */
export function onceEnded(dialog: Srf.Dialog, fn: () => void): void {
  let ran = false;
  const once = (): void => {
    if (ran) return;
    ran = true;
    fn();
  };
  dialog.once('destroy', once);
  const destroy = dialog.destroy.bind(dialog) as (...args: unknown[]) => unknown;
  (dialog as unknown as { destroy: (...args: unknown[]) => unknown }).destroy = (...args: unknown[]) => {
    once();
    return destroy(...args);
  };
}
