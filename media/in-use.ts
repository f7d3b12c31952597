/**
 * How many endpoints a media server has in use, whichever engine it is:
 * counted from creation to the endpoint's 'destroy' event.
 */
import type { Endpoint, MediaServer } from './port.js';

export interface CountedMediaServer extends MediaServer {
  readonly endpointsInUse: number;
}

export function countEndpointsInUse(server: MediaServer): CountedMediaServer {
  const live = new Set<Endpoint>();
  return {
    get endpointsInUse() {
      return live.size;
    },
    async createEndpoint(opts) {
      const endpoint = await server.createEndpoint(opts);
      live.add(endpoint);
      endpoint.once('destroy', () => live.delete(endpoint));
      return endpoint;
    },
    close: () => server.close(),
  };
}
