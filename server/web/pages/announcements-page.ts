/**
 * Announcements (inspelade meddelanden): every slot with its length and
 * what plays it, to listen to in the page; each row uploads, records in
 * the browser and deletes (./announcement-actions.ts). Recording by phone (*77) is the other
 * way in, and this page shows its results too.
 */
import { css, html } from 'lit';
import { announcementAudioUrl, listAnnouncements, type Announcement } from '../api-announcements.js';
import { duration } from '../format.js';
import { texts } from '../i18n/index.js';
import { shared, tables } from '../styles.js';
import './announcement-actions.js';
import { ReadingPage } from './reading-page.js';

export class AnnouncementsPage extends ReadingPage {
  static override styles = [shared, tables, css`
    :host { display: block; padding: 1rem 1.5rem; }
    h1 { margin: 0 0 0.5rem; font-size: 1.6em; }
    .intro { color: var(--muted); max-width: 60rem; }
    .error { color: var(--alarm); }
    .muted { color: var(--muted); }
    ul { margin: 0; padding-left: 1.1rem; }
    audio { max-width: 16rem; }
  `];

  private announcements: Announcement[] | undefined;

  override render(): unknown {
    const t = texts();
    return html`
      <h1>${t.announcementsTitle}</h1>
      <p class="intro">${t.announcementsIntro}</p>
      ${this.readFailure()}
      ${this.announcements === undefined ? '' : this.announcements.length === 0 ? html`<p>${t.noAnnouncements}</p>` : html`
        <div class="table-wrap"><table data-table="announcements">
          <thead><tr>
            <th scope="col">${t.announcementSlot}</th><th scope="col">${t.announcementLength}</th>
            <th scope="col">${t.announcementUsedBy}</th><th scope="col">${t.announcementListen}</th><th scope="col">${t.actions}</th>
          </tr></thead>
          <tbody>${this.announcements.map((a) => html`
            <tr data-slot=${a.slot}>
              <th scope="row">${a.slot}</th>
              <td>${a.seconds !== undefined ? duration(Math.round(a.seconds)) : a.recorded ? '' : t.notRecorded}</td>
              <td>${a.uses.length === 0 ? html`<span class="muted">${t.unused}</span>` : html`<ul>${a.uses.map((u) => html`<li>${t.announcementUse(u)}</li>`)}</ul>`}</td>
              <td>${a.recorded ? html`<audio controls preload="none" src=${announcementAudioUrl(a.slot, a.modified)} aria-label=${t.listenTo(a.slot)}></audio>` : ''}</td>
              <td><vx-announcement-actions .announcement=${a} @changed=${this.load}></vx-announcement-actions></td>
            </tr>`)}</tbody>
        </table></div>`}`;
  }

  protected override async read(): Promise<void> {
    this.announcements = await listAnnouncements();
  }
}

customElements.define('vx-announcements-page', AnnouncementsPage);
