/**
 * What can be done to one announcement: upload a file, record in the
 * browser (./../record/microphone.ts) or delete it. The product's refusal
 * (not audio: 415, too large: 413, still played somewhere: 409 naming
 * what) is shown beside the controls; the page reloads on `changed`.
 */
import { css, html, LitElement } from 'lit';
import { deleteAnnouncement, uploadAnnouncement, type Announcement } from '../api-announcements.js';
import { duration } from '../format.js';
import { LanguageController, texts } from '../i18n/index.js';
import { canRecord, MicrophoneRecording } from '../record/microphone.js';
import { shared } from '../styles.js';
import { RowAction } from './row-action.js';

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
  private readonly action = new RowAction(this);

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.recording?.cancel();
    clearInterval(this.ticker);
  }

  override render(): unknown {
    const t = texts();
    const { slot, recorded, uses } = this.announcement;
    return html`
      <input type="file" id="file" accept="audio/*" aria-label=${t.uploadFor(slot)} ?disabled=${this.action.busy || this.recording !== undefined} @change=${this.upload}>
      <label class="button" for="file">${t.upload}</label>
      ${!canRecord() ? '' : this.recording ? html`
        <span class="recording" role="status">${t.recordingNow} ${duration(this.recording.seconds())}</span>
        <button type="button" class="primary" ?disabled=${this.action.busy} @click=${this.stopRecording} aria-label=${t.stopRecordingFor(slot)}>${t.stopRecording}</button>` : html`
        <button type="button" ?disabled=${this.action.busy} @click=${this.startRecording} aria-label=${t.recordFor(slot)}>${t.record}</button>`}
      ${recorded ? html`<button type="button" ?disabled=${this.action.busy || this.recording !== undefined} @click=${this.deleteRecording}
        aria-label=${t.deleteFor(slot)} title=${uses.length > 0 ? t.deleteInUse : ''}>${t.delete}</button>` : ''}
      ${this.action.outcome()}`;
  }

  private async upload(event: Event): Promise<void> {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (file) await this.action.run(() => uploadAnnouncement(this.announcement.slot, file, file.name), texts().uploaded);
  }

  private async startRecording(): Promise<void> {
    this.action.clear();
    try {
      this.recording = await MicrophoneRecording.start();
      this.ticker = setInterval(() => this.requestUpdate(), 250);
      this.requestUpdate();
    } catch {
      this.action.fail(texts().noMicrophone);
    }
  }

  private async stopRecording(): Promise<void> {
    const recording = this.recording!;
    this.recording = undefined;
    clearInterval(this.ticker);
    await this.action.run(async () => uploadAnnouncement(this.announcement.slot, await recording.stop(), `${this.announcement.slot}.wav`), texts().recordingSaved);
  }

  private async deleteRecording(): Promise<void> {
    await this.action.run(() => deleteAnnouncement(this.announcement.slot), texts().deleted);
  }
}

customElements.define('vx-announcement-actions', AnnouncementActions);
