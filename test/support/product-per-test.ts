/**
 * For a file whose tests each start a product of their own: `start()` in a
 * test, `product` after it; after each test the desk phones (baresip) are
 * stopped, then the product.
 */
import { afterEach } from 'vitest';
import { stopAllBaresip } from './baresip.js';
import type { RunningProduct } from './product.js';

export interface ProductPerTest<P extends RunningProduct> {
  start(): Promise<P>;
  /** The product this test started. */
  readonly product: P;
}

export function productPerTest<P extends RunningProduct>(startOne: () => Promise<P>): ProductPerTest<P> {
  let product: P | undefined;
  afterEach(async () => {
    await stopAllBaresip();
    const running = product;
    product = undefined;
    await running?.stop();
  }, 20_000);
  return {
    async start() {
      product = await startOne();
      return product;
    },
    get product(): P {
      if (!product) throw new Error('this test has not started the product');
      return product;
    },
  };
}
