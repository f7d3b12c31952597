/**
 * Starts the product, each part after the parts it needs: the running
 * configuration (server/running: the operational part of the configuration
 * and the IVR flows, as stored, or seeded from the files on a fresh
 * installation; a bad flow stops start-up with its one-line message), the
 * embedded SIP server unless DRACHTIO_HOST points at a real drachtio-server,
 * drachtio-srf connected to it, the switch (directory, registrar, legs,
 * overload protection: server/sip/switch.ts),
 * the media engine, the ACD (on an in-process store persisted under
 * DATA_DIR, or on Redis when REDIS_URL is set), the contact center that
 * joins them (server/calls/center.ts), its contact records (server/history:
 * SQLite in DATA_DIR, or PostgreSQL when DATABASE_URL is set; opened and
 * migrated before anything listens), the CRM webhooks that tell of its
 * calls (server/api/webhooks/), the live state, its event feed and the
 * metrics that watch it all (server/stats/), the feature codes and the greeting
 * number, and last the switch's router, given what it calls up through
 * (server/sip/ports.ts), and the operators' API on HTTP_PORT
 * (server/api/start.ts). Each change of the running configuration is then
 * handed to the parts (./reconfigure.ts). Stopping ends the parts in the
 * reverse order, the API first; a start that fails stops what it had
 * started.
 *
 * The embedded engine's control port takes a secret made afresh at every
 * start and known only to this process, so no other local program can
 * connect to it as an application (and be handed REGISTERs with their
 * credentials); `drachtio.secret` is for a real drachtio-server only.
 */
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { SipServer } from './sipd/server.js';
import { productEngine } from './sipd/product-engine.js';
import { EngineThread } from './sipd/engine-thread.js';
import { createSwitch, type Switch } from './sip/switch.js';
import { createThrottle } from './sip/throttle.js';
import { attachRouter, type Router } from './sip/router.js';
import { MediaTranslation } from './calls/media-translation.js';
import { watchSipTraffic } from './sip/traffic.js';
import type { MediaServer } from '../media/port.js';
import { EmbeddedMediaServer } from '../media/engine/index.js';
import { connectFreeswitch } from '../media/freeswitch.js';
import { countEndpointsInUse } from '../media/in-use.js';
import { loadPromptSet } from '../media/speech.js';
import { advertisedAddressFor } from './net/address.js';
import { Acd, RealClock, unplaceableForLog, type AcdStore, type Clock } from './acd/index.js';
import { MemoryStore } from './store/memory.js';
import { RedisStore } from './store/redis.js';
import { RedisBindings } from './store/redis-bindings.js';
import { FlowLibrary } from './ivr/loader.js';
import { RunningConfig } from './running/index.js';
import { FileRunningStore } from './store/running-file.js';
import { RedisRunningStore } from './store/running-redis.js';
import { reconfigureParts } from './reconfigure.js';
import { CallCenter } from './calls/center.js';
import { SrfTelephony } from './calls/anchored-call.js';
import { FileAnnouncementStore } from './calls/announcements.js';
import { PinTries } from './calls/pin-tries.js';
import { AvalancheStore, type ChangeAvalanche } from './calls/avalanche.js';
import { AvalancheAudience } from './calls/avalanche-audience.js';
import { adoptAvalancheFile } from './calls/avalanche-file.js';
import { FeatureCodes } from './calls/feature-codes.js';
import { GreetThenConnect } from './calls/greeting.js';
import { agentsOnCall } from './calls/other-calls.js';
import { Webhooks } from './api/webhooks/index.js';
import { openHistory } from './history/open.js';
import { ContactRecords } from './calls/contact-records.js';
import { AgentCaseTypes } from './calls/case-types.js';
import { LiveFeed } from './stats/live-feed.js';
import { StaffingPlanFile } from './stats/staffing-plan-file.js';
import { startShortfallAlarm } from './staffing-alarm.js';
import { LiveState } from './stats/live-state.js';
import { ProductMetrics } from './stats/metrics.js';
import { acdAgents, acdQueues } from './config/acd.js';
import { defaultConfigFile } from './config/load.js';
import { DataDirLock } from './data-lock.js';
import { portInUseError } from './port-in-use.js';
import { startApi } from './api/start.js';
import { readTlsFiles } from './net/tls.js';
import type { Api } from './api/server.js';

export interface App {
  srf: Srf;
  /** The embedded engine in the app's thread, when no drachtio-server is configured and `sip.engineThread` is off. */
  sipd?: SipServer;
  media: MediaServer;
  switch: Switch;
  /** New calls: attached last, once everything it calls up through is up. */
  router: Router;
  acd: Acd;
  flows: FlowLibrary;
  /** The operational configuration and the flows, changed while running (server/running). */
  running: RunningConfig;
  center: CallCenter;
  /** Avalanche messages: in the running configuration, switched by operators (*78<id>) or through the API. */
  avalanche: AvalancheStore;
  /** The operators' API on http.host:http.port (server/api/): started last, stopped first. */
  api: Api;
  /** CRM webhooks; `backlog()` counts the events not yet delivered. */
  webhooks: Webhooks;
  /** The contact records of the calls (server/history). */
  contactRecords: ContactRecords;
  stop(): Promise<void>;
}

/** The IVR flow folder: ivr-flows/ beside config/. */
export function flowDir(): string {
  return join(dirname(dirname(defaultConfigFile())), 'ivr-flows');
}

const CONNECT_TIMEOUT_MS = 10_000;

export interface StartOptions {
  /** The IVR flow folder that seeds a fresh installation; default ivr-flows/. */
  flowDir?: string;
  /** Time for the ACD, the flows' opening hours and the calls; default the system clock. */
  clock?: Clock;
  /**
   * The flow folder holds flows for only some services (a test of one flow):
   * skip the start-up check that every service and the recording code have
   * a flow. Calls to a service without one are refused (480).
   */
  partialFlows?: boolean;
}

export async function startApp(base: Config, logger: Logger, opts: StartOptions = {}): Promise<App> {
  const prompts = loadPromptSet();
  // A certificate that cannot be used stops start-up before anything listens. It serves HTTPS and WSS.
  const tls = readTlsFiles(base.tls);
  // What stops each part, in the order the parts were started: stopped in reverse.
  const stops: Array<() => void | Promise<void>> = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.splice(0).reverse()) await stop();
  };
  try {
    // The in-process store and the announcements are files in DATA_DIR: one process each.
    if (!base.redisUrl) {
      const lock = DataDirLock.acquire(resolve(base.dataDir), base.dataDir);
      stops.push(() => lock.release());
    }
    // The running configuration first: a bad one stops start-up before anything listens.
    const runningStore = base.redisUrl
      ? new RedisRunningStore({ url: base.redisUrl, onError: (err) => logger.error({ err }, 'redis') })
      : new FileRunningStore(resolve(base.dataDir));
    stops.push(() => runningStore.close());
    const running = await RunningConfig.open({
      base, store: runningStore, logger: logger.child({ component: 'running-config' }),
      flows: { prompts, dir: opts.flowDir ?? flowDir(), ...(opts.partialFlows ? { partial: true } : {}) },
    });
    stops.push(() => running.close());
    const changeAvalanche: ChangeAvalanche = async (actor, summary, mutate) => {
      await running.change(actor, summary, (draft) => mutate(draft.avalanche));
    };
    // A database that cannot be reached or migrated stops start-up before anything listens.
    const history = await openHistory({ dataDir: base.dataDir, databaseUrl: base.databaseUrl, logger: logger.child({ component: 'history' }) });
    stops.push(() => history.close());
    const staffingPlan = await StaffingPlanFile.open(resolve(base.dataDir));
    await adoptAvalancheFile(join(resolve(base.dataDir), 'avalanche.json'), changeAvalanche, logger.child({ component: 'avalanche' }));
    // The parts start with the version current now, and take every later one (below).
    const { config } = running.current;
    const flows = new FlowLibrary(running.current.flows, logger.child({ component: 'ivr' }));
    let sipd: SipServer | undefined;
    let target = { host: config.drachtio.host ?? '127.0.0.1', port: config.drachtio.port, secret: config.drachtio.secret };
    const throttle = createThrottle(config, logger);
    if (!config.drachtio.host && config.sip.engineThread) {
      const secret = randomBytes(24).toString('base64url');
      const thread = await EngineThread.start({ config, tls, secret, logLevel: logger.level, terminal: Boolean(process.stdout.isTTY) }, logger)
        .catch((err: unknown) => { throw portInUseError(err, config) ?? err; });
      stops.push(() => thread.stop());
      throttle.on('block', (block) => { if (block.kind === 'source') thread.blockSource(block.key, block.until); });
      target = { ...target, port: thread.controlPort, secret };
    } else if (!config.drachtio.host) {
      const secret = randomBytes(24).toString('base64url');
      const server = productEngine(config, {
        secret, tls, screen: (req, source) => throttle.admits(source.address, req.get('User-Agent')), logger,
      });
      try {
        await server.start();
      } catch (err) {
        await server.stop().catch(() => {});
        throw portInUseError(err, config) ?? err;
      }
      stops.push(() => server.stop());
      sipd = server;
      target = { ...target, port: server.control.port, secret };
    }

    const srf = new Srf();
    stops.push(() => srf.disconnect());
    const metrics = new ProductMetrics();
    // Before the switch's middleware: one that answers a request does not pass it on.
    watchSipTraffic(srf, metrics.sip);
    await connect(srf, target, logger);
    // The switch's own parts; calls are refused (503) by the SIP server until the router is attached below.
    const clock = opts.clock ?? new RealClock((err) => logger.error({ err }, 'ACD timer failed'));
    // Instances on one Redis ring the phones registered through any of them.
    const sharedBindings = config.redisUrl
      ? new RedisBindings({ url: config.redisUrl, onError: (err) => logger.error({ err }, 'redis') })
      : undefined;
    if (sharedBindings) {
      stops.push(() => sharedBindings.close());
      await sharedBindings.start();
    }
    const sw = createSwitch(srf, config, logger, { clock, throttle, ...(sharedBindings ? { sharedBindings } : {}) });
    stops.push(() => sw.stop());
    const media = await startMedia(srf, config, logger);
    stops.push(() => media.close());
    // What the calls use, counted for the metrics; App.media stays the engine itself.
    const counted = countEndpointsInUse(media);
    const store: AcdStore = config.redisUrl
      ? new RedisStore({ url: config.redisUrl, onError: (err) => logger.error({ err }, 'redis') })
      : new MemoryStore({ dataDir: resolve(config.dataDir) });
    stops.push(() => store.close());
    const acd = new Acd({
      store, clock, queues: acdQueues(config), agents: acdAgents(config),
      onError: (err) => logger.error({ err }, 'ACD error'),
      onUnplaceable: (u) => logger.warn(unplaceableForLog(u), 'a saved entry cannot be placed: kept and listed in the snapshot, never offered'),
    });
    const pinTries = new PinTries({ now: () => clock.now(), logger: logger.child({ component: 'feature-codes' }) });
    const announcements = new FileAnnouncementStore(join(resolve(config.dataDir), 'announcements'), config.operators, pinTries);
    const avalanche = new AvalancheStore(config.avalanche, announcements, changeAvalanche, logger.child({ component: 'avalanche' }));
    const avalancheAudience = new AvalancheAudience();
    // Listening before the ACD starts: an offer the start makes (a callback restored with a ready agent) is rung.
    const center = new CallCenter({
      config, telephony: new SrfTelephony({ srf, sessionTimers: sw.sessionTimers, directCalls: sw.directCalls }, counted), media: counted, prompts, acd, clock, flows,
      registrar: sw.registrar, legs: sw.legs,
      announcements, avalanche,
      logger: logger.child({ component: 'calls' }),
      ...(store instanceof MemoryStore ? { persistNow: () => store.flushSync() } : {}),
    });
    // Following the ACD before it starts, as the webhooks do; stopped after the center: the ends of the calls its stop cuts are recorded.
    const contactRecords = new ContactRecords({ repository: history, center, acd, logger: logger.child({ component: 'history' }) });
    stops.push(() => contactRecords.stop());
    const caseTypes = new AgentCaseTypes({ acd, queues: center.services.queues, records: contactRecords });
    await acd.start();
    stops.push(() => acd.stop());
    // Listening before the center takes calls and stopped after it: the ends of the calls its stop cuts are sent too.
    const webhooks = await Webhooks.start({ config, center, acd, clock, logger: logger.child({ component: 'webhooks' }) });
    stops.push(() => webhooks.stop());
    // Following the ACD and the calls from before the first call, as the webhooks do.
    const live = new LiveState(acd, center);
    stops.push(() => live.stop());
    const feed = new LiveFeed(live);
    stops.push(() => feed.stop());
    const shortfalls = await startShortfallAlarm({
      clock, acd, running, history, plan: staffingPlan, feed, webhooks, logger: logger.child({ component: 'staffing' }),
    });
    stops.push(() => shortfalls.stop());
    metrics.watch({
      acd, callsInProgress: () => center.activeCalls, mediaEndpointsInUse: () => counted.endpointsInUse,
      webhookBacklog: () => webhooks.backlog(),
    });
    // Stopped before the ACD: the calls it ends still tell the ACD.
    stops.push(() => center.stop());
    center.on('event', avalancheAudience.observe);
    await center.start();
    const onAnswered = agentsOnCall(acd);
    const features = new FeatureCodes({
      config, sip: { srf, sessionTimers: sw.sessionTimers }, media: counted, prompts, acd, clock, flows, avalanche,
      agents: center.agents,
      entrance: center, pinTries, caseTypes,
      logger: logger.child({ component: 'feature-codes' }),
    });
    const greeting = new GreetThenConnect({ sip: { srf, sessionTimers: sw.sessionTimers }, media: counted, prompts, legs: sw.legs, onAnswered });
    stops.push(running.onChange(reconfigureParts({
      acd, live, switch: sw, announcements, avalanche, features, flows, center, logger: logger.child({ component: 'running-config' }),
    })));
    const router = attachRouter({
      srf, directory: sw.directory, auth: sw.auth, throttle: sw.throttle, legs: sw.legs, overload: sw.overload,
      sessionTimers: sw.sessionTimers, directCalls: sw.directCalls,
      entrance: center, greeting, features, onAnswered, translator: new MediaTranslation(counted),
      logger: logger.child({ component: 'switch' }),
    });
    stops.push(() => router.stop());
    const { api, stop: stopApi } = await startApi({
      config, logger, ...(tls ? { tls } : {}),
      parts: { running, now: () => clock.now(), live, feed, registry: metrics.registry, acd, center,
        announcements, avalancheAudience, history, registrar: sw.registrar,
        staffingPlan, shortfalls, caseTypes },
    });
    stops.push(stopApi);
    logger.info({
      sip: config.drachtio.host ? `drachtio-server ${target.host}:${target.port}` : config.sip.engineThread ? 'embedded, own thread' : 'embedded',
      media: config.freeswitch.host ? `FreeSWITCH ${config.freeswitch.host}:${config.freeswitch.port}` : 'embedded',
    }, 'switch ready');

    return { srf, sipd, media, switch: sw, router, acd, flows, running, center, avalanche, webhooks, contactRecords, api, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** FreeSWITCH when FREESWITCH_HOST is set, else the embedded RTP engine. */
async function startMedia(srf: Srf, config: Config, logger: Logger): Promise<MediaServer> {
  const address = config.sip.advertisedAddress ?? advertisedAddressFor(config.sip.host);
  if (config.freeswitch.host) {
    return connectFreeswitch(srf, {
      host: config.freeswitch.host, port: config.freeswitch.port, secret: config.freeswitch.secret, listenAddress: address,
      rtpTimeoutSecs: config.rtp.timeoutSeconds,
    });
  }
  return new EmbeddedMediaServer({
    portMin: config.rtp.portMin,
    portMax: config.rtp.portMax,
    rtpTimeoutSecs: config.rtp.timeoutSeconds,
    bindAddress: config.sip.host,
    advertisedAddress: address,
    logger: logger.child({ component: 'media' }),
  });
}

function connect(srf: Srf, target: { host: string; port: number; secret: string }, logger: Logger): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no answer from drachtio-server at ${target.host}:${target.port} within ${CONNECT_TIMEOUT_MS / 1000} s`)),
      CONNECT_TIMEOUT_MS,
    );
    srf.on('connect', (err, hostport) => {
      clearTimeout(timer);
      if (err) reject(new Error(`drachtio-server at ${target.host}:${target.port} refused us: ${err.message}`));
      else {
        logger.info({ hostport }, 'connected to the SIP engine');
        resolve();
      }
    });
    // Reconnects are drachtio-srf's job; an error here must not end the process.
    srf.on('error', (err) => logger.warn({ err }, 'SIP engine connection error'));
    void srf.connect(target);
  });
}
