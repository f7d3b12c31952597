/**
 * What a page hears, for matching against what was sent: the stream an
 * <audio> element of the page plays (a call's far end) goes into WebAudio,
 * and the samples are kept in the page for the test to read at 8 kHz.
 * Chromium feeds a remote track to WebAudio only while a media element plays
 * it: the element is the page's own, playing already.
 */
import type { Locator, Page } from 'playwright-core';
import { to8k } from './rtp-peer.js';
import type { Wav } from './audio.js';

interface Tapped { vaxelHeard: number[]; vaxelRate: number; vaxelContext?: AudioContext }

/** Starts keeping what `audio` (an <audio> element playing a MediaStream) plays, instead of what was kept before. */
export async function tapAudio(audio: Locator): Promise<void> {
  await audio.evaluate((element: HTMLMediaElement) => {
    const stream = element.srcObject;
    if (!(stream instanceof MediaStream)) throw new Error('the audio element plays no stream');
    const w = window as unknown as Tapped;
    void w.vaxelContext?.close();
    const heard: number[] = [];
    w.vaxelHeard = heard;
    const context = new AudioContext();
    w.vaxelContext = context;
    w.vaxelRate = context.sampleRate;
    const tap = context.createScriptProcessor(4096, 1, 1);
    tap.onaudioprocess = (e) => { for (const v of e.inputBuffer.getChannelData(0)) heard.push(v); };
    context.createMediaStreamSource(stream).connect(tap);
    tap.connect(context.destination);
  });
}

/** How many samples (at the page's rate) the tap holds now: a mark for `heardSince`. */
export function heardMark(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as Tapped).vaxelHeard.length);
}

/** Waits until the tap holds `seconds` past `mark`, and returns them at 8 kHz. */
export async function heardSince(page: Page, mark: number, seconds: number): Promise<Wav> {
  const rate = await page.evaluate(() => (window as unknown as Tapped).vaxelRate);
  await page.waitForFunction((n) => (window as unknown as Tapped).vaxelHeard.length >= n, mark + Math.round(seconds * rate), { timeout: (seconds + 10) * 1000 });
  const samples = Float32Array.from(to8k(await page.evaluate((from) => (window as unknown as Tapped).vaxelHeard.slice(from), mark), rate));
  return { sampleRate: 8000, channels: 1, samples, durationSec: samples.length / 8000 };
}
