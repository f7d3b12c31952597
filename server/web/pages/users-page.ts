/**
 * Users (användare) and API tokens, for admins. A new user gets a name, a
 * role and a first password (and, for an agent, their extension); the
 * product's refusal appears next to the field it names. Each user's row
 * changes role, sets a password or deletes (./user-actions.ts).
 *
 * A new API token's secret is shown once, right after it is made: the
 * product keeps only a hash of it.
 */
import { css, html } from 'lit';
import type { Role } from '../api.js';
import { createToken, createUser, listTokens, listUsers, revokeToken, ROLES, type Token, type User } from '../api-users.js';
import { failureText } from '../failure.js';
import { dateTime } from '../format.js';
import { texts } from '../i18n/index.js';
import { shared, tables } from '../styles.js';
import { formProblem, type FormProblem } from './form-problem.js';
import { ReadingPage } from './reading-page.js';
import './user-actions.js';

const USER_FIELDS = ['name', 'role', 'password', 'agentId'] as const;
const TOKEN_FIELDS = ['name', 'role'] as const;

export class UsersPage extends ReadingPage {
  static override styles = [shared, tables, css`
    :host { display: block; padding: 1rem 1.5rem; }
    h1 { margin: 0 0 0.5rem; font-size: 1.6em; }
    h2 { font-size: 1.25em; margin: 1.5rem 0 0.5rem; }
    form.new { display: grid; gap: 0.6rem 1rem; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); align-items: start; max-width: 70rem; }
    .field { display: flex; flex-direction: column; gap: 0.2rem; }
    .field .error, .error { color: var(--alarm); }
    .submit { align-self: end; }
    .secret { border: 2px solid var(--ok); border-radius: 6px; padding: 0.6rem 0.8rem; margin: 0.6rem 0; max-width: 70rem; }
    .secret code { font-size: 1.05em; overflow-wrap: anywhere; user-select: all; }
    .done { color: var(--ok); }
  `];

  private users: User[] = [];
  private tokens: Token[] = [];
  private userRefusal: FormProblem | undefined;
  private tokenRefusal: FormProblem | undefined;
  private created: string | undefined;
  private secret: { name: string; secret: string } | undefined;

  override render(): unknown {
    const t = texts();
    return html`
      <h1>${t.usersTitle}</h1>
      ${this.readFailure()}
      <div class="table-wrap"><table data-table="users">
        <thead><tr><th scope="col">${t.userName}</th><th scope="col">${t.agent}</th><th scope="col">${t.created}</th><th scope="col">${t.roleAndActions}</th></tr></thead>
        <tbody>${this.users.map((u) => html`
          <tr data-user=${u.name}>
            <th scope="row">${u.name}</th><td>${u.agentId ?? ''}</td><td>${dateTime(new Date(u.createdAt))}</td>
            <td><vx-user-actions .user=${u} @changed=${this.load}></vx-user-actions></td>
          </tr>`)}
        </tbody>
      </table></div>

      <h2 id="new-user">${t.newUser}</h2>
      <form class="new" aria-labelledby="new-user" @submit=${this.addUser}>
        ${this.field('user', 'name', t.userName, html`<input id="user-name" name="name" required autocomplete="off" maxlength="64">`)}
        ${this.field('user', 'role', t.role, this.roleSelect('user-role'))}
        ${this.field('user', 'password', t.firstPassword, html`<input id="user-password" name="password" type="password" required minlength="8" autocomplete="new-password">`)}
        ${this.field('user', 'agentId', t.agentExtension, html`<input id="user-agentId" name="agentId" inputmode="numeric" autocomplete="off">`)}
        <button type="submit" class="primary submit">${t.createUser}</button>
      </form>
      ${this.userRefusal && !this.userRefusal.field ? html`<p class="error" role="alert">${this.userRefusal.message}</p>` : ''}
      ${this.created ? html`<p class="done" role="status">${t.userCreated(this.created)}</p>` : ''}

      <h2 id="tokens">${t.apiTokens}</h2>
      <p>${t.apiTokensIntro}</p>
      ${this.tokens.length === 0 ? html`<p>${t.noTokens}</p>` : html`
        <div class="table-wrap"><table data-table="tokens">
          <thead><tr><th scope="col">${t.tokenName}</th><th scope="col">${t.role}</th><th scope="col">${t.createdBy}</th><th scope="col">${t.created}</th><th scope="col">${t.actions}</th></tr></thead>
          <tbody>${this.tokens.map((k) => html`
            <tr data-token=${k.id}>
              <th scope="row">${k.name}</th><td>${t[`role_${k.role}`]}</td><td>${k.createdBy}</td><td>${dateTime(new Date(k.createdAt))}</td>
              <td><button type="button" @click=${() => this.revoke(k)} aria-label=${t.revokeToken(k.name)}>${t.revoke}</button></td>
            </tr>`)}
          </tbody>
        </table></div>`}
      <form class="new" aria-labelledby="tokens" @submit=${this.addToken}>
        ${this.field('token', 'name', t.tokenName, html`<input id="token-name" name="name" required maxlength="100" autocomplete="off">`)}
        ${this.field('token', 'role', t.role, this.roleSelect('token-role'))}
        <button type="submit" class="primary submit">${t.createToken}</button>
      </form>
      ${this.tokenRefusal && !this.tokenRefusal.field ? html`<p class="error" role="alert">${this.tokenRefusal.message}</p>` : ''}
      ${this.secret ? html`<div class="secret" role="status">
        <p>${t.tokenSecretOnce(this.secret.name)}</p><code data-secret>${this.secret.secret}</code></div>` : ''}`;
  }

  /** A labelled field with the product's refusal beside it when it names this field. */
  private field(form: 'user' | 'token', name: string, label: string, control: unknown): unknown {
    const refused = form === 'user' ? this.userRefusal : this.tokenRefusal;
    const id = `${form}-${name}`;
    return html`<div class="field">
      <label for=${id}>${label}</label>
      ${control}
      ${refused?.field === name ? html`<span class="error" id="${id}-error" role="alert">${refused.message}</span>` : ''}
    </div>`;
  }

  private roleSelect(id: string): unknown {
    return html`<select id=${id} name="role">${ROLES.map((r) => html`<option value=${r} ?selected=${r === 'operator'}>${texts()[`role_${r}`]}</option>`)}</select>`;
  }

  protected override async read(): Promise<void> {
    [this.users, this.tokens] = await Promise.all([listUsers(), listTokens()]);
  }

  private async addUser(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    const agentId = String(data.get('agentId') ?? '').trim();
    const name = String(data.get('name') ?? '').trim();
    this.created = undefined;
    try {
      await createUser({ name, role: data.get('role') as Role, password: String(data.get('password') ?? ''), ...(agentId ? { agentId } : {}) });
      this.userRefusal = undefined;
      this.created = name;
      form.reset();
      await this.load();
    } catch (err) {
      this.userRefusal = formProblem(err, USER_FIELDS, { versioned: false });
    }
    this.markInvalid(form, 'user', this.userRefusal);
    this.requestUpdate();
  }

  private async addToken(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    this.secret = undefined;
    try {
      const made = await createToken({ name: String(data.get('name') ?? '').trim(), role: data.get('role') as Role });
      this.tokenRefusal = undefined;
      this.secret = { name: made.token.name, secret: made.secret };
      form.reset();
      await this.load();
    } catch (err) {
      this.tokenRefusal = formProblem(err, TOKEN_FIELDS, { versioned: false });
    }
    this.markInvalid(form, 'token', this.tokenRefusal);
    this.requestUpdate();
  }

  /** The field the product named is marked invalid and described by its message, for screen readers too. */
  private markInvalid(form: HTMLFormElement, prefix: string, refused: FormProblem | undefined): void {
    for (const control of form.querySelectorAll<HTMLInputElement | HTMLSelectElement>('input, select')) {
      const named = refused?.field === control.name;
      control.setAttribute('aria-invalid', String(named));
      if (named) control.setAttribute('aria-describedby', `${prefix}-${control.name}-error`);
      else control.removeAttribute('aria-describedby');
    }
  }

  private async revoke(token: Token): Promise<void> {
    try {
      await revokeToken(token.id);
      await this.load();
    } catch (err) {
      this.error = failureText(err);
      this.requestUpdate();
    }
  }
}

customElements.define('vx-users-page', UsersPage);
