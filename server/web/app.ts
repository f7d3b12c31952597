/**
 * The pages' frame: signing in, then the menu of the pages the user's role
 * may see (../nav.ts), the language switch and signing out. The page is
 * chosen by the address's fragment (#/monitor), so the server only ever
 * serves index.html and its files.
 *
 * Whether to ask GET /me at start: only when this browser signed in before
 * (a hint in localStorage; the session cookie itself is HttpOnly), so a
 * fresh visitor gets the sign-in form without a refused request.
 */
import { css, html, LitElement } from 'lit';
import { unsafeStatic, html as staticHtml } from 'lit/static-html.js';
import { logout, me, type Me } from './api.js';
import { language, LanguageController, setLanguage, texts } from './i18n/index.js';
import { pagesFor, type PageEntry } from './nav.js';
import { shared } from './styles.js';
import './pages/login-page.js';
import './pages/queue-monitor.js';
import './pages/agents-page.js';
import './pages/queues-page.js';
import './pages/announcements-page.js';
import './pages/flows-page.js';
import './pages/audit-page.js';
import './pages/users-page.js';
import './pages/services-page.js';
import './pages/avalanche-page.js';
import './pages/agent-desktop.js';
import './pages/staffing-page.js';
import './pages/reports-page.js';

const SIGNED_IN_HINT = 'vaxel.signedIn';

export class VaxelApp extends LitElement {
  static override styles = [shared, css`
    :host { display: block; min-height: 100vh; background: var(--bg); }
    .skip { position: absolute; left: -999px; }
    .skip:focus { left: 1rem; top: 1rem; background: var(--bg); padding: 0.5rem; z-index: 1; }
    header.bar {
      display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 1.5rem;
      padding: 0.5rem 1.5rem; border-bottom: 1px solid var(--line); background: var(--panel);
    }
    .brand { font-weight: 700; font-size: 1.2rem; }
    nav ul { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; list-style: none; margin: 0; padding: 0; }
    nav a { color: var(--accent); text-decoration: none; padding: 0.25rem 0; }
    nav a[aria-current='page'] { color: var(--fg); font-weight: 700; border-bottom: 3px solid var(--accent); }
    .user { margin-left: auto; display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; color: var(--muted); }
    .lang-only { display: flex; justify-content: flex-end; padding: 0.5rem 1.5rem; }
    main:focus { outline: none; }
    .empty { padding: 1.5rem; }
  `];

  private readonly language = new LanguageController(this);
  private user: Me | undefined;
  private checking = localStorage.getItem(SIGNED_IN_HINT) !== null;
  private wall = new URLSearchParams(location.search).get('wall') === '1';
  private readonly hashChanged = (): void => this.requestUpdate();
  private readonly sessionEnded = (): void => {
    localStorage.removeItem(SIGNED_IN_HINT);
    this.user = undefined;
    this.requestUpdate();
  };

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('hashchange', this.hashChanged);
    // A page found the session gone (expired, or ended elsewhere): back to signing in.
    this.addEventListener('session-ended', this.sessionEnded);
    if (this.checking) void this.resumeSession();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('hashchange', this.hashChanged);
    this.removeEventListener('session-ended', this.sessionEnded);
  }

  override render(): unknown {
    const t = texts();
    if (this.checking) return html``;
    if (!this.user) {
      return html`
        <div class="lang-only">${this.languageButton()}</div>
        <main id="main"><vx-login @signed-in=${this.signedIn}></vx-login></main>`;
    }
    const pages = pagesFor(this.user.role);
    const page = this.currentPage(pages);
    const content = page?.tag
      ? staticHtml`<${unsafeStatic(page.tag)} .userRole=${this.user.role} ?wall=${this.wall} @wall-mode=${this.wallMode}></${unsafeStatic(page.tag)}>`
      : html`<p class="empty">${t.nothingForRole}</p>`;
    if (this.wall) return html`<main id="main">${content}</main>`;
    return html`
      <a class="skip" href="#main" @click=${this.skipToMain}>${t.skipToContent}</a>
      <header class="bar">
        <span class="brand">${t.productName}</span>
        ${pages.length === 0 ? '' : html`<nav aria-label=${t.mainNavigation}>
          <ul>${pages.map((p) => html`
            <li><a href="#/${p.id}" aria-current=${p === page ? 'page' : 'false'}>${t[`page_${p.id}`]}</a></li>`)}
          </ul>
        </nav>`}
        <div class="user">
          <span>${t.signedInAs(this.user.name, t[`role_${this.user.role}`])}</span>
          ${this.languageButton()}
          <button type="button" @click=${this.signOut}>${t.signOut}</button>
        </div>
      </header>
      <main id="main" tabindex="-1">${content}</main>`;
  }

  private languageButton(): unknown {
    const t = texts();
    return html`<button type="button" lang=${t.switchLanguageLang} @click=${() => setLanguage(language() === 'sv' ? 'en' : 'sv')}>${t.switchLanguage}</button>`;
  }

  private currentPage(pages: PageEntry[]): PageEntry | undefined {
    const wanted = location.hash.replace(/^#\//, '');
    return pages.find((p) => p.id === wanted) ?? pages[0];
  }

  private async resumeSession(): Promise<void> {
    try {
      this.user = await me();
    } catch {
      localStorage.removeItem(SIGNED_IN_HINT);
    }
    this.checking = false;
    this.requestUpdate();
  }

  private signedIn(event: CustomEvent<Me>): void {
    this.user = event.detail;
    localStorage.setItem(SIGNED_IN_HINT, '1');
    this.requestUpdate();
  }

  private async signOut(): Promise<void> {
    try {
      await logout();
    } finally {
      localStorage.removeItem(SIGNED_IN_HINT);
      this.user = undefined;
      this.requestUpdate();
    }
  }

  private wallMode(event: CustomEvent<boolean>): void {
    this.wall = event.detail;
    const url = new URL(location.href);
    if (this.wall) url.searchParams.set('wall', '1');
    else url.searchParams.delete('wall');
    history.replaceState(null, '', url);
    this.requestUpdate();
  }

  private skipToMain(event: Event): void {
    event.preventDefault();
    this.renderRoot.querySelector<HTMLElement>('main')?.focus();
  }
}

customElements.define('vx-app', VaxelApp);
