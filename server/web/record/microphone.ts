/**
 * A recording from the microphone with MediaRecorder: `start` asks for the
 * microphone (the browser asks the user), `stop` ends it, lets the
 * microphone go and gives the sound as WAV (./wav.ts).
 */
import { recordingAsWav } from './wav.js';

export class MicrophoneRecording {
  private readonly parts: Blob[] = [];
  private readonly stopped: Promise<void>;
  private readonly startedAt = performance.now();

  private constructor(private readonly stream: MediaStream, private readonly recorder: MediaRecorder) {
    recorder.addEventListener('dataavailable', (e) => { if (e.data.size > 0) this.parts.push(e.data); });
    this.stopped = new Promise((resolve) => recorder.addEventListener('stop', () => resolve(), { once: true }));
    recorder.start();
  }

  static async start(): Promise<MicrophoneRecording> {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    return new MicrophoneRecording(stream, new MediaRecorder(stream));
  }

  /** How long it has been recording. */
  seconds(): number {
    return (performance.now() - this.startedAt) / 1000;
  }

  async stop(): Promise<Blob> {
    this.recorder.stop();
    await this.stopped;
    this.release();
    return recordingAsWav(new Blob(this.parts, { type: this.recorder.mimeType }));
  }

  /** Ends the recording without keeping it (the page was left). */
  cancel(): void {
    if (this.recorder.state !== 'inactive') this.recorder.stop();
    this.release();
  }

  private release(): void {
    for (const track of this.stream.getTracks()) track.stop();
  }
}

/** Whether this browser can record here (a page over plain HTTP other than localhost cannot). */
export const canRecord = (): boolean => typeof MediaRecorder !== 'undefined' && navigator.mediaDevices?.getUserMedia !== undefined;
