/**
 * What can be done to one announcement: upload a file, record in the
 * browser (./../record/microphone.ts) or delete it. The product's refusal
 * (not audio: 415, too large: 413, still played somewhere: 409 naming
 * what) is shown beside the controls; the page reloads on `changed`.
 */
import { css, html, LitElement } from 'lit';
import { failureText } from '../failure.js';
import { deleteAnnouncement, uploadAnnouncement, type Announcement } from '../api-announcements.js';
import { duration } from '../format.js';
import { LanguageController, texts } from '../i18n/index.js';
import { canRecord, MicrophoneRecording } from '../record/microphone.js';
import { shared } from '../styles.js';

export class AnnouncementActions extends LitElement {
  static override properties = { announcement: { attribute: false } };
  declare announcement: Announcement;

  static override styles = [shared, css`
    :host { display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: center; }
    input[type='file'] { position: absolute; opacity: 0; width: 1px; height: 1px; }
    label.button {
      display: inline-block; padding: 0.4em 0.9em; border: 1px solid var(--accent); border-radius: 4px;
      color: var(--accent); cursor: pointer;
    }
    input[type='file']:focus-visible + label.button { outline: 3px solid var(--focus); outline-offset: 2px; }
    .recording { color: var(--alarm); font-weight: 600; }
    .error { color: var(--alarm); flex-basis: 100%; }
    .done { color: var(--ok); flex-basis: 100%; }
  `];

  private readonly language = new LanguageController(this);
  private recording: MicrophoneRecording | undefined;
  /** Shows the seconds recorded so far while recording. */
  private ticker: ReturnType<typeof setInterval> | undefined;
  private busy = false;
  private error: string | undefined;
  private done: string | undefined;

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.recording?.cancel();
    clearInterval(this.ticker);
  }

  override render(): unknown {
    const t = texts();
    const { slot, recorded, uses } = this.announcement;
    return html`
      <input type="file" id="file" accept="audio/*" aria-label=${t.uploadFor(slot)} ?disabled=${this.busy || this.recording !== undefined} @change=${this.upload}>
      <label class="button" for="file">${t.upload}</label>
      ${!canRecord() ? '' : this.recording ? html`
        <span class="recording" role="status">${t.recordingNow} ${duration(this.recording.seconds())}</span>
        <button type="button" class="primary" ?disabled=${this.busy} @click=${this.stopRecording} aria-label=${t.stopRecordingFor(slot)}>${t.stopRecording}</button>` : html`
        <button type="button" ?disabled=${this.busy} @click=${this.startRecording} aria-label=${t.recordFor(slot)}>${t.record}</button>`}
      ${recorded ? html`<button type="button" ?disabled=${this.busy || this.recording !== undefined} @click=${this.deleteRecording}
        aria-label=${t.deleteFor(slot)} title=${uses.length > 0 ? t.deleteInUse : ''}>${t.delete}</button>` : ''}
      ${this.error ? html`<span class="error" role="alert">${this.error}</span>` : ''}
      ${this.done ? html`<span class="done" role="status">${this.done}</span>` : ''}`;
  }

  private async upload(event: Event): Promise<void> {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (file) await this.act(() => uploadAnnouncement(this.announcement.slot, file, file.name), texts().uploaded);
  }

  private async startRecording(): Promise<void> {
    this.error = undefined;
    this.done = undefined;
    try {
      this.recording = await MicrophoneRecording.start();
      this.ticker = setInterval(() => this.requestUpdate(), 250);
    } catch {
      this.error = texts().noMicrophone;
    }
    this.requestUpdate();
  }

  private async stopRecording(): Promise<void> {
    const recording = this.recording!;
    this.recording = undefined;
    clearInterval(this.ticker);
    await this.act(async () => uploadAnnouncement(this.announcement.slot, await recording.stop(), `${this.announcement.slot}.wav`), texts().recordingSaved);
  }

  private async deleteRecording(): Promise<void> {
    await this.act(() => deleteAnnouncement(this.announcement.slot), texts().deleted);
  }

  private async act(work: () => Promise<unknown>, success: string): Promise<void> {
    this.busy = true;
    this.error = undefined;
    this.done = undefined;
    this.requestUpdate();
    try {
      await work();
      this.done = success;
      this.dispatchEvent(new Event('changed'));
    } catch (err) {
      this.error = failureText(err);
    } finally {
      this.busy = false;
      this.requestUpdate();
    }
  }
}

customElements.define('vx-announcement-actions', AnnouncementActions);
