/**
 * Tells an element when its own size changes, while it is on the page: for
 * what is drawn to fit its width (charts, the flow diagram).
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

export class ResizeController implements ReactiveController {
  private readonly observer: ResizeObserver;

  constructor(private readonly host: ReactiveControllerHost & Element, resized: () => void) {
    this.observer = new ResizeObserver(resized);
    host.addController(this);
  }

  hostConnected(): void {
    this.observer.observe(this.host);
  }

  hostDisconnected(): void {
    this.observer.disconnect();
  }
}
