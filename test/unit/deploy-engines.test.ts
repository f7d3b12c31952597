/**
 * The engines' configurations in deploy/ against what uses them: the
 * FreeSWITCH dialplan reads the headers media/freeswitch.ts sends, every
 * variable the FreeSWITCH files use is defined and every environment
 * variable they read is given by docker-compose.yml, no secret is written
 * in them, and the compose file mounts them where the engines look.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MEDIA_HEADERS } from '../../media/freeswitch.js';

interface Service {
  entrypoint?: string[];
  command?: string;
  environment?: Record<string, string>;
  volumes?: string[];
}

const services = (parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as { services: Record<string, Service> }).services;
const FS_DIR = 'deploy/freeswitch';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(full) : [full];
  });
}

const fsFiles = new Map(filesUnder(FS_DIR).map((f) => [f, readFileSync(f, 'utf8')]));
const topLevel = fsFiles.get(path.join(FS_DIR, 'freeswitch.xml'))!;
const dialplan = fsFiles.get(path.join(FS_DIR, 'dialplan/fsmrf.xml'))!;

describe('deploy/freeswitch', () => {
  it('sets the call from the headers the adapter sends, plain RTP unless WebRTC is asked for', () => {
    expect(dialplan).toContain(`\${sip_h_${MEDIA_HEADERS.security}}" expression="^webrtc$"`);
    expect(dialplan).toMatch(/<anti-action application="set" data="rtp_secure_media=forbidden"\/>/);
    expect(dialplan).toContain(`\${sip_h_${MEDIA_HEADERS.timeout}}"`);
    expect(dialplan).toMatch(/data="media_timeout=\$1"/);
    expect(dialplan).toContain('socket" data="${sip_h_X-esl-outbound} async full"');
    expect(dialplan.indexOf('data="jitterbuffer_msec=60"')).toBeGreaterThan(0);
    expect(dialplan.indexOf('data="jitterbuffer_msec=60"')).toBeLessThan(dialplan.indexOf('application="answer"'));
    expect(topLevel).toContain('<X-PRE-PROCESS cmd="set" data="rtp_secure_media=forbidden"/>');
  });

  it('takes the INVITE without SDP of an endpoint that makes its own offer (a call the app places)', () => {
    expect(fsFiles.get(path.join(FS_DIR, 'autoload_configs/sofia.conf.xml'))).toContain('<param name="enable-3pcc" value="true"/>');
  });

  it('defines every $${variable} its files use, and docker-compose.yml gives every environment variable it reads', () => {
    const defined = new Set([...topLevel.matchAll(/cmd="(?:env-)?set" data="(\w+)=/g)].map((m) => m[1]));
    for (const [file, text] of fsFiles) {
      for (const [, name] of text.matchAll(/\$\$\{(\w+)\}/g)) expect(defined.has(name), `${file} uses $\${${name}}`).toBe(true);
    }
    const read = [...topLevel.matchAll(/cmd="env-set" data="\w+=\$(\w+)"/g)].map((m) => m[1]!);
    expect(read).toContain('FREESWITCH_SECRET');
    const environment = services.freeswitch?.environment ?? {};
    for (const name of read) expect(environment[name], `FreeSWITCH's ${name} in docker-compose.yml`).toBeTruthy();
  });

  it('writes no password: the event socket takes it from the environment', () => {
    const socket = fsFiles.get(path.join(FS_DIR, 'autoload_configs/event_socket.conf.xml'))!;
    expect(socket).toContain('<param name="password" value="$${esl_password}"/>');
    expect(topLevel).toContain('data="esl_password=$FREESWITCH_SECRET"');
    expect([...fsFiles.values()].join('\n')).not.toMatch(/ClueCon/i);
  });

  it('is mounted in place of the image configuration, without the image start script', () => {
    const freeswitch = services.freeswitch!;
    expect(freeswitch.volumes).toContain(`./${FS_DIR}:/usr/local/freeswitch/conf:ro`);
    expect(freeswitch.entrypoint?.[0]).toBe('freeswitch');
  });
});

describe('deploy/drachtio', () => {
  const conf = readFileSync('deploy/drachtio/drachtio.conf.xml', 'utf8');

  it('listens for SIP on UDP, TCP, TLS and WSS with the certificate paths, the control port on the loopback without a secret', () => {
    expect(conf).toContain('<contact>sip:*:5060;transport=udp,tcp</contact>');
    expect(conf).toMatch(/<contact>sips:\*:\d+;transport=tls<\/contact>/);
    expect(conf).toMatch(/<contact>sips:\*:\d+;transport=wss<\/contact>/);
    for (const file of ['key-file', 'cert-file']) expect(conf).toMatch(new RegExp(`<${file}>/etc/drachtio/tls/[\\w.]+</${file}>`));
    expect(conf).toMatch(/<admin port="9022">127\.0\.0\.1<\/admin>/);
  });

  it('is the file drachtio-server runs with, its secret and certificates given by docker-compose.yml', () => {
    const drachtio = services.drachtio!;
    expect(drachtio.command).toBe('drachtio --file /etc/drachtio/drachtio.conf.xml');
    expect(drachtio.volumes).toContain('./deploy/drachtio/drachtio.conf.xml:/etc/drachtio/drachtio.conf.xml:ro');
    expect(drachtio.volumes?.some((v) => v.endsWith(':/etc/drachtio/tls:ro'))).toBe(true);
    expect(drachtio.environment?.DRACHTIO_SECRET).toMatch(/^\$\{DRACHTIO_SECRET:\?/);
  });
});
