/**
 * Making or changing an avalanche message: its number (dialled after *78 to
 * switch it by phone), the services whose callers hear it, the recording it
 * plays (a slot recorded by phone or uploaded, or a new recording uploaded
 * here first), the callers' language, whether it is on, and from when to
 * when. The product's refusal is shown beside the field it names; a refused
 * message changes nothing.
 */
import { css, html, LitElement } from 'lit';
import { ApiError } from '../api.js';
import { LanguageController, texts } from '../i18n/index.js';
import { shared } from '../styles.js';
import { listAnnouncements, uploadAnnouncement, type Announcement } from '../api-announcements.js';
import { failureText } from '../failure.js';
import { formProblem } from '../pages/form-problem.js';
import { changeMessage, createMessage, type AvalancheMessage, type AvalancheSettings } from './avalanche-api.js';

type Field = 'id' | 'services' | 'slot' | 'language' | 'on' | 'start' | 'end' | 'upload' | 'form';
const FIELDS: readonly Field[] = ['id', 'services', 'slot', 'language', 'on', 'start', 'end'];

/** An ISO time as a datetime-local input shows it (this browser's time zone). */
function localInput(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export class AvalancheForm extends LitElement {
  static override properties = { services: { attribute: false }, etag: {}, editing: { attribute: false } };
  /** Every service there is. */
  declare services: string[];
  declare etag: string | undefined;
  /** The message being changed; undefined: a new one. */
  declare editing: AvalancheMessage | undefined;

  static override styles = [shared, css`
    :host { display: block; }
    form { display: grid; gap: 0.8rem; grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr)); align-items: start; }
    label, legend { display: block; font-weight: 600; margin-bottom: 0.2rem; }
    fieldset { border: 1px solid var(--line); border-radius: 4px; margin: 0; }
    fieldset label { font-weight: 400; display: flex; gap: 0.4rem; align-items: center; }
    input:not([type='checkbox']), select { font: inherit; padding: 0.3em 0.4em; border: 1px solid var(--muted); border-radius: 4px; width: 100%; box-sizing: border-box; }
    [aria-invalid='true'] { border: 2px solid var(--alarm); }
    .error { color: var(--alarm); margin: 0.2rem 0 0; }
    .upload { display: grid; gap: 0.4rem; }
    .buttons { grid-column: 1 / -1; display: flex; gap: 0.5rem; flex-wrap: wrap; }
    .check { display: flex; gap: 0.4rem; align-items: center; font-weight: 600; }
  `];

  private readonly language = new LanguageController(this);
  private slots: Announcement[] = [];
  private chosenSlot = '';
  private errors: Partial<Record<Field, string>> = {};
  private busy = false;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.loadSlots();
  }

  override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('editing')) {
      this.chosenSlot = this.editing?.slot ?? this.slots[0]?.slot ?? '';
      this.errors = {};
    }
  }

  private async loadSlots(chosen?: string): Promise<void> {
    try {
      this.slots = await listAnnouncements();
      this.chosenSlot = chosen ?? (this.chosenSlot || this.slots[0]?.slot || '');
    } catch (err) {
      this.errors = { ...this.errors, slot: failureText(err) };
    }
    this.requestUpdate();
  }

  override render(): unknown {
    const t = texts();
    const e = this.editing;
    const error = (field: Field): unknown => this.errors[field] === undefined ? ''
      : html`<p class="error" id="${field}-error" role="alert">${this.errors[field]}</p>`;
    const aria = (field: Field): { invalid: string; describedby: string } =>
      ({ invalid: String(this.errors[field] !== undefined), describedby: this.errors[field] === undefined ? '' : `${field}-error` });
    return html`
      <form @submit=${this.submit} aria-label=${e ? t.changeMessageOf(e.id) : t.newMessage}>
        <div>
          <label for="id">${t.messageNumber}</label>
          <input id="id" name="id" inputmode="numeric" required .value=${e?.id ?? ''} ?readonly=${e !== undefined}
            aria-invalid=${aria('id').invalid} aria-describedby=${aria('id').describedby}>
          ${error('id')}
        </div>
        <fieldset aria-invalid=${aria('services').invalid} aria-describedby=${aria('services').describedby}>
          <legend>${t.messageServices}</legend>
          ${this.services.map((s) => html`
            <label><input type="checkbox" name="services" value=${s} .checked=${e?.services.includes(s) ?? false}>${s}</label>`)}
          ${error('services')}
        </fieldset>
        <div>
          <label for="slot">${t.messageRecording}</label>
          <select id="slot" name="slot" required aria-invalid=${aria('slot').invalid} aria-describedby=${aria('slot').describedby}
            @change=${(ev: Event) => { this.chosenSlot = (ev.target as HTMLSelectElement).value; }}>
            ${this.slots.map((a) => html`<option value=${a.slot} ?selected=${a.slot === this.chosenSlot}>
              ${a.slot} (${a.recorded ? t.recordedSeconds(Math.round(a.seconds ?? 0)) : t.notRecorded})</option>`)}
          </select>
          ${error('slot')}
        </div>
        <div class="upload" role="group" aria-labelledby="upload-heading">
          <span id="upload-heading"><b>${t.uploadRecording}</b></span>
          <label for="new-slot">${t.uploadSlotName}</label>
          <input id="new-slot" name="new-slot" pattern="[a-z0-9][a-z0-9_\\-]*" placeholder="lavin-storning">
          <label for="file">${t.uploadFile}</label>
          <input id="file" name="file" type="file" accept="audio/*" aria-invalid=${aria('upload').invalid} aria-describedby=${aria('upload').describedby}>
          <button type="button" ?disabled=${this.busy} @click=${this.upload}>${t.uploadButton}</button>
          ${error('upload')}
        </div>
        <div>
          <label for="language">${t.messageLanguage}</label>
          <select id="language" name="language">
            <option value="" ?selected=${!e?.language}>${t.languageAll}</option>
            <option value="sv" ?selected=${e?.language === 'sv'}>${t.languageSv}</option>
            <option value="en" ?selected=${e?.language === 'en'}>${t.languageEn}</option>
          </select>
          ${error('language')}
        </div>
        <div>
          <label for="start">${t.messageStart}</label>
          <input id="start" name="start" type="datetime-local" .value=${localInput(e?.start)}
            aria-invalid=${aria('start').invalid} aria-describedby=${aria('start').describedby}>
          ${error('start')}
        </div>
        <div>
          <label for="end">${t.messageEnd}</label>
          <input id="end" name="end" type="datetime-local" .value=${localInput(e?.end)}
            aria-invalid=${aria('end').invalid} aria-describedby=${aria('end').describedby}>
          ${error('end')}
        </div>
        <div>
          <label class="check"><input type="checkbox" name="on" .checked=${e?.on ?? false}>${t.messageOn}</label>
          ${error('on')}
        </div>
        <div class="buttons">
          <button type="submit" class="primary" ?disabled=${this.busy}>${e ? t.saveChange : t.createMessage}</button>
          ${e ? html`<button type="button" @click=${() => this.dispatchEvent(new Event('cancelled'))}>${t.cancel}</button>` : ''}
        </div>
        ${error('form')}
      </form>`;
  }

  private async upload(): Promise<void> {
    const t = texts();
    const name = this.renderRoot.querySelector<HTMLInputElement>('#new-slot')!.value.trim() || this.chosenSlot;
    const file = this.renderRoot.querySelector<HTMLInputElement>('#file')!.files?.[0];
    if (!file) {
      this.errors = { upload: t.chooseFile };
      this.requestUpdate();
      return;
    }
    await this.run(async () => {
      await uploadAnnouncement(name, file, file.name);
      await this.loadSlots(name);
    }, 'upload');
  }

  private async submit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const value = (name: string): string => String(form.get(name) ?? '').trim();
    const time = (name: string): string | null => (value(name) ? new Date(value(name)).toISOString() : null);
    const language = value('language');
    const settings: AvalancheSettings = {
      services: form.getAll('services').map(String),
      slot: value('slot'),
      language: language === 'sv' || language === 'en' ? language : null,
      on: form.get('on') !== null,
      start: time('start'),
      end: time('end'),
    };
    const editing = this.editing;
    await this.run(async () => {
      await (editing ? changeMessage(editing.id, settings, this.etag) : createMessage(value('id'), settings, this.etag));
      if (!editing) (event.target as HTMLFormElement).reset();
      this.dispatchEvent(new Event('saved'));
    });
  }

  private async run(work: () => Promise<void>, at?: Field): Promise<void> {
    this.busy = true;
    this.errors = {};
    this.requestUpdate();
    try {
      await work();
    } catch (err) {
      // A 409 is a version conflict only when it names If-Match: a number taken is the product's own reason.
      const problem = formProblem(err, FIELDS, { versioned: err instanceof ApiError && err.field === 'If-Match' });
      this.errors = { [at ?? problem.field ?? 'form']: problem.message };
      if (problem.conflict) this.dispatchEvent(new Event('stale'));
    } finally {
      this.busy = false;
      this.requestUpdate();
    }
  }
}

customElements.define('vx-avalanche-form', AvalancheForm);
