/**
 * docker-compose.yml, read as Compose reads it (YAML with merge keys): two
 * app instances with healthchecks, no secret with a default, the files the
 * app hands FreeSWITCH by path at the same path in both, and every engine
 * and server an app is pointed at reachable from that app's network.
 */
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../server/config/load.js';
import { finalStage } from '../support/dockerfile.js';

interface Service {
  build?: unknown;
  image?: string;
  network_mode?: string;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test?: string[] };
}

const text = readFileSync('docker-compose.yml', 'utf8');
const services = (parse(text, { merge: true }) as { services: Record<string, Service> }).services;
const apps = Object.entries(services).filter(([, s]) => s.build !== undefined);
const image = finalStage(readFileSync('Dockerfile', 'utf8'));

const SECRET_NAME = /SECRET|PASSWORD|TOKEN|KEY/i;

/** target path -> volume or host path, for `source:target[:mode]` entries. */
function mounts(service: Service): Map<string, string> {
  return new Map((service.volumes ?? []).map((v) => {
    const [source, target] = v.split(':');
    return [target!, source!];
  }));
}

/** `value` as Compose passes it once the variables it names are set. */
function withSecretsSet(value: string): string {
  return value.replace(/\$\{[^}]*\}/g, 'set');
}

/** Whether `from` reaches `service` at host:port as Compose would lay out the networks. */
function reaches(from: Service, serviceName: string, host: string, port: number): boolean {
  const target = services[serviceName];
  if (!target) return false;
  if (from.network_mode === 'host') {
    if (!['127.0.0.1', 'localhost'].includes(host)) return false;
    if (target.network_mode === 'host') return true;
    return (target.ports ?? []).some((p) => p === `127.0.0.1:${port}:${port}` || p === `${port}:${port}`);
  }
  return target.network_mode !== 'host' && host === serviceName;
}

describe('docker-compose.yml', () => {
  it('runs two app instances built from the Dockerfile, each with a healthcheck', () => {
    expect(apps.map(([name]) => name).length).toBeGreaterThanOrEqual(2);
    for (const [name, app] of apps) {
      expect(app.healthcheck?.test?.length ?? 0, `${name}'s healthcheck`).toBeGreaterThan(1);
    }
  });

  it('gives no secret a default: each one must be set', () => {
    const interpolations = [...text.matchAll(/\$\{(\w+)([^}]*)\}/g)];
    expect(interpolations.length).toBeGreaterThan(0);
    for (const [whole, name, rest] of interpolations) {
      if (SECRET_NAME.test(name!)) expect(rest, whole).toMatch(/^:\?/);
    }
    for (const [serviceName, service] of Object.entries(services)) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (SECRET_NAME.test(key)) expect(value, `${serviceName} ${key}`).toMatch(/^\$\{\w+:\?/);
        const password = /:\/\/[^:/@]*:([^@]*)@/.exec(value)?.[1];
        if (password !== undefined) expect(password, `the password in ${serviceName} ${key}`).toMatch(/^\$\{\w+:\?[^}]*\}$/);
      }
    }
  });

  it('mounts the prompts and the announcements at the same path in every app and in FreeSWITCH, from the same source', () => {
    const promptsCopy = image.copies.find((c) => c.sources.includes('media/prompts'));
    expect(promptsCopy, 'the Dockerfile copies media/prompts').toBeDefined();
    const dataDir = posix.resolve(image.workdir, loadConfig({ env: {} }).dataDir);
    const shared = [promptsCopy!.destination.replace(/\/$/, ''), posix.join(dataDir, 'announcements')];
    const freeswitch = mounts(services.freeswitch!);
    for (const path of shared) {
      const source = freeswitch.get(path);
      expect(source, `FreeSWITCH mounts ${path}`).toBeDefined();
      for (const [name, app] of apps) {
        expect(app.environment?.DATA_DIR, `${name} keeps the image's DATA_DIR`).toBeUndefined();
        expect(mounts(app).get(path), `${name} mounts ${path} from ${source}`).toBe(source);
      }
    }
  });

  it('points every app at engines and servers it can reach in this network layout', () => {
    for (const [name, app] of apps) {
      const env = app.environment ?? {};
      const redis = new URL(withSecretsSet(env.REDIS_URL!));
      const database = new URL(withSecretsSet(env.DATABASE_URL!));
      expect(reaches(app, 'freeswitch', env.FREESWITCH_HOST!, Number(env.FREESWITCH_PORT)), `${name} reaches FreeSWITCH at ${env.FREESWITCH_HOST}`).toBe(true);
      expect(reaches(app, 'drachtio', env.DRACHTIO_HOST!, Number(env.DRACHTIO_PORT)), `${name} reaches drachtio-server at ${env.DRACHTIO_HOST}`).toBe(true);
      expect(reaches(app, 'redis', redis.hostname, Number(redis.port)), `${name} reaches Redis at ${redis.host}`).toBe(true);
      expect(reaches(app, 'postgres', database.hostname, Number(database.port)), `${name} reaches PostgreSQL at ${database.host}`).toBe(true);
    }
    const onHost = apps.filter(([, app]) => app.network_mode === 'host');
    const httpPorts = onHost.map(([, app]) => app.environment?.HTTP_PORT);
    expect(new Set(httpPorts).size, 'apps on the host network listen on HTTP ports of their own').toBe(onHost.length);
  });
});
