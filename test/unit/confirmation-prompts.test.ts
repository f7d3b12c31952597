/**
 * A confirmation ends a call: the caller must hear all of it. "Tack." alone
 * is a third of a second, and a phone whose call ends at once plays even
 * less. Every prompt played just before we hang up lasts about a second or
 * more, its last part silence, so the last word is out of the phone's
 * jitter buffer before the BYE arrives.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PromptManifest } from '../../media/speech.js';
import { CONFIRMATIONS } from '../../server/calls/feature-codes.js';
import { loadFlows } from '../../server/ivr/flow-set.js';
import { readWav } from '../support/audio.js';

const root = path.resolve('media/prompts');
const manifest = JSON.parse(readFileSync(path.join(root, 'manifest.json'), 'utf8')) as PromptManifest;

/** What the demo flows play in their hangup nodes: the last thing a caller hears. */
function hangupPrompts(): string[] {
  const names = new Set<string>();
  for (const flow of loadFlows(path.resolve('ivr-flows')).flows.values()) {
    for (const def of flow.nodes.values()) {
      if (def.type === 'hangup') for (const p of (def as { prompts?: string[] }).prompts ?? []) names.add(p);
    }
  }
  return [...names];
}

const confirmations = [...new Set([
  ...Object.values(CONFIRMATIONS).filter((p) => p !== CONFIRMATIONS.refused),
  'recording_saved', // *77, then the flow's goodbye
  'callback_confirmed', // the caller hangs up keeping their place
  ...hangupPrompts(),
])];

describe('confirmations are long enough to hear', () => {
  it('the demo flows end on prompts too (thank_you, goodbye)', () => {
    expect(hangupPrompts()).toEqual(expect.arrayContaining(['thank_you', 'goodbye']));
  });

  it('*78 says "on" or "off", two different prompts', () => {
    expect(CONFIRMATIONS.avalancheOn).not.toBe(CONFIRMATIONS.avalancheOff);
  });

  const cases = confirmations.flatMap((name) => ['sv', 'en'].map((lang) => [`${lang}/${name}`, lang, name] as const));
  it.each(cases)('%s lasts at least 0.9 s and ends in silence', (_label, lang, name) => {
    const entry = manifest.prompts.find((p) => p.lang === lang && p.name === name);
    expect(entry, `${lang}/${name} in the manifest`).toBeDefined();
    const wav = readWav(path.join(root, entry!.file));
    expect(wav.durationSec).toBeGreaterThanOrEqual(0.9);
    expect(entry!.tailSec ?? 0).toBeGreaterThanOrEqual(0.4);
    const tail = wav.samples.subarray(wav.samples.length - Math.round(0.4 * wav.sampleRate));
    expect(Math.max(...Array.from(tail, Math.abs))).toBeLessThan(0.01);
  });
});
