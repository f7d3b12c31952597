/**
 * A test file on one product, started before its tests, with the product's
 * call events recorded and a phone that only listens (startListeningPhone,
 * 1005) registered to call it and record what it hears. After the file the
 * phones are stopped, then the product.
 */
import { afterAll, beforeAll } from 'vitest';
import type { CallEvent } from '../../server/calls/center.js';
import { startListeningPhone, stopAllBaresip, type BaresipPhone } from './baresip.js';
import type { RunningProduct } from './product.js';

export interface ListenedProduct {
  readonly product: RunningProduct;
  readonly listener: BaresipPhone;
  /** The product's call events, in order, since it started. */
  readonly callEvents: CallEvent[];
}

export function useListenedProduct(start: () => Promise<RunningProduct>): ListenedProduct {
  let product: RunningProduct | undefined;
  let listener: BaresipPhone | undefined;
  const callEvents: CallEvent[] = [];
  beforeAll(async () => {
    product = await start();
    product.app.center.on('event', (e) => callEvents.push(e));
    listener = await startListeningPhone(product.sipPort);
  }, 30_000);
  afterAll(async () => {
    await stopAllBaresip();
    await product?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the product is not started yet (use it inside a test or a later hook)');
    return value;
  };
  return {
    get product() { return started(product); },
    get listener() { return started(listener); },
    callEvents,
  };
}
