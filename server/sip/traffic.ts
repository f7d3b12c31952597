/**
 * SIP traffic as the application sees it, for metrics: each request that
 * reaches drachtio-srf's middleware (a new transaction outside a dialog:
 * INVITE, REGISTER, OPTIONS, ...), and the final response we send to it.
 * Counted in the app, so the same figures come from the embedded engine
 * and from drachtio-server. Requests within a dialog (ACK, BYE, re-INVITE)
 * go to their dialog, not through the middleware, and are not counted.
 */
import type { EventEmitter } from 'node:events';
import type Srf from 'drachtio-srf';

export interface SipTrafficObserver {
  request(method: string): void;
  response(method: string, status: number): void;
}

/** Must come before any other middleware: one that answers does not pass the request on. */
export function watchSipTraffic(srf: Srf, observer: SipTrafficObserver): void {
  srf.use((req, res, next) => {
    const method = req.method;
    observer.request(method);
    // drachtio-srf's Response emits 'end' with the final status (lib/response.js); its typings omit that it is an emitter.
    (res as unknown as EventEmitter).once('end', ({ status }: { status: number }) => observer.response(method, status));
    next();
  });
}
