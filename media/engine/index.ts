/**
 * The embedded RTP media engine: the default MediaServer (media/port.ts)
 * when no FreeSWITCH is configured. See README.md beside this file.
 */
export { EmbeddedMediaServer, type EmbeddedMediaServerOptions } from './media-server.js';
export { EmbeddedEndpoint, DEFAULT_RECORD_LIMIT_SECS, type MediaLogger } from './endpoint.js';
export { RtpPortsExhaustedError } from './ports.js';
export { PacingClock, TICK_MS } from './clock.js';
export { SoundCache } from './wav.js';
