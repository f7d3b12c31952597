/**
 * Signing in: user name and password, the product's answer shown next to
 * the field it concerns (a wrong password, too many attempts: "try again in
 * N s"). Sends `signed-in` with the user once the session cookie is set.
 */
import { html, LitElement, css } from 'lit';
import { ApiError, login, type Me } from '../api.js';
import { LanguageController, texts } from '../i18n/index.js';
import { shared } from '../styles.js';

type Problem = { field: 'name' | 'password' | 'form'; text: () => string };

export class LoginPage extends LitElement {
  static override styles = [shared, css`
    form {
      box-sizing: border-box;
      width: min(24rem, calc(100% - 2rem));
      margin: 3rem auto;
      padding: 2rem;
      border: 1px solid var(--line);
      border-radius: 6px;
      display: grid;
      gap: 0.3rem;
    }
    h1 { margin: 0 0 1rem; font-size: 1.5rem; }
    label { font-weight: 600; margin-top: 0.6rem; }
    input {
      font: inherit;
      padding: 0.45em;
      border: 1px solid var(--muted);
      border-radius: 4px;
    }
    input[aria-invalid='true'] { border-color: var(--alarm); }
    .error { color: var(--alarm); font-size: 0.95rem; }
    button { margin-top: 1rem; }
  `];

  private readonly language = new LanguageController(this);
  private problem: Problem | undefined;
  private busy = false;

  override render(): unknown {
    const t = texts();
    const error = (field: Problem['field']): unknown => this.problem?.field === field
      ? html`<div class="error" id="${field}-error" role="alert">${this.problem.text()}</div>` : '';
    const invalid = (field: Problem['field']): string => String(this.problem?.field === field);
    const describedBy = (field: Problem['field']): string => (this.problem?.field === field ? `${field}-error` : '');
    return html`
      <form @submit=${this.submit} novalidate>
        <h1>${t.loginTitle}</h1>
        <label for="name">${t.userName}</label>
        <input id="name" name="name" autocomplete="username" required autofocus
          aria-invalid=${invalid('name')} aria-describedby=${describedBy('name')}>
        ${error('name')}
        <label for="password">${t.password}</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required
          aria-invalid=${invalid('password')} aria-describedby=${describedBy('password')}>
        ${error('password')}
        ${error('form')}
        <button class="primary" type="submit" ?disabled=${this.busy}>${this.busy ? t.signingIn : t.signIn}</button>
      </form>`;
  }

  private async submit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const name = (form.elements.namedItem('name') as HTMLInputElement).value.trim();
    const password = (form.elements.namedItem('password') as HTMLInputElement).value;
    this.problem = !name ? { field: 'name', text: () => texts().requiredField }
      : !password ? { field: 'password', text: () => texts().requiredField } : undefined;
    if (this.problem) return this.show(form);
    this.busy = true;
    this.requestUpdate();
    try {
      const user: Me = await login(name, password);
      this.dispatchEvent(new CustomEvent<Me>('signed-in', { detail: user, bubbles: true, composed: true }));
    } catch (err) {
      this.problem = problemOf(err);
      this.show(form);
    } finally {
      this.busy = false;
      this.requestUpdate();
    }
  }

  /** Shows the problem and puts the cursor in the field it concerns. */
  private show(form: HTMLFormElement): void {
    this.requestUpdate();
    const field = this.problem?.field === 'name' ? 'name' : 'password';
    void this.updateComplete.then(() => (form.elements.namedItem(field) as HTMLInputElement).focus());
  }
}

function problemOf(err: unknown): Problem {
  if (err instanceof ApiError) {
    if (err.status === 401) return { field: 'password', text: () => texts().wrongPassword };
    if (err.status === 429) {
      const seconds = err.retryAfter ?? 1;
      return { field: 'password', text: () => texts().tryAgainIn(seconds) };
    }
    return { field: 'form', text: () => texts().unexpectedError(err.detail) };
  }
  return { field: 'form', text: () => texts().serverUnreachable };
}

customElements.define('vx-login', LoginPage);
