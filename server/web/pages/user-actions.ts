/**
 * What an admin does to one user, from the user's row: change the role,
 * set a new password (the user's sessions end), delete (after a second
 * click; the product refuses to delete the last admin). The product's
 * refusal is shown beside the controls; the page reloads on `changed`.
 */
import { css, html, LitElement } from 'lit';
import type { Role } from '../api.js';
import { changeRole, deleteUser, resetPassword, ROLES, type User } from '../api-users.js';
import { LanguageController, texts } from '../i18n/index.js';
import { shared, tables } from '../styles.js';
import { RowAction } from './row-action.js';

type Step = 'idle' | 'password' | 'confirm-delete';

export class UserActions extends LitElement {
  static override properties = { user: { attribute: false } };
  declare user: User;

  static override styles = [shared, tables, css`
    :host { display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: center; }
    form { display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: center; }
    .error { color: var(--alarm); flex-basis: 100%; }
    .done { color: var(--ok); flex-basis: 100%; }
  `];

  private readonly language = new LanguageController(this);
  private step: Step = 'idle';
  private readonly action = new RowAction(this);

  override render(): unknown {
    const t = texts();
    const { name, role } = this.user;
    return html`
      <form @submit=${this.saveRole}>
        <label class="visually-hidden" for="role">${t.roleOf(name)}</label>
        <select id="role" name="role">${ROLES.map((r) => html`<option value=${r} ?selected=${r === role}>${t[`role_${r}`]}</option>`)}</select>
        <button type="submit" ?disabled=${this.action.busy} aria-label=${t.saveRoleOf(name)}>${t.saveRole}</button>
      </form>
      ${this.step === 'password' ? html`
        <form @submit=${this.savePassword}>
          <label for="password">${t.newPasswordFor(name)}</label>
          <input id="password" name="password" type="password" autocomplete="new-password" required minlength="8">
          <button type="submit" class="primary" ?disabled=${this.action.busy}>${t.setPassword}</button>
          <button type="button" @click=${() => this.go('idle')}>${t.cancel}</button>
        </form>` : this.step === 'confirm-delete' ? html`
        <span>${t.reallyDeleteUser(name)}</span>
        <button type="button" class="primary" id="confirm" ?disabled=${this.action.busy} @click=${this.deleteThisUser}>${t.yesDelete}</button>
        <button type="button" @click=${() => this.go('idle')}>${t.cancel}</button>` : html`
        <button type="button" @click=${() => this.go('password')} aria-label=${t.resetPasswordOf(name)}>${t.resetPassword}</button>
        <button type="button" @click=${() => this.go('confirm-delete')} aria-label=${t.deleteUserOf(name)}>${t.delete}</button>`}
      ${this.action.outcome()}`;
  }

  private go(step: Step): void {
    this.step = step;
    this.action.clear();
    const focus = step === 'password' ? '#password' : step === 'confirm-delete' ? '#confirm' : undefined;
    if (focus) void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(focus)?.focus());
  }

  private async saveRole(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const role = this.renderRoot.querySelector<HTMLSelectElement>('#role')!.value as Role;
    await this.action.run(() => changeRole(this.user.name, role), texts().roleSaved, () => this.go('idle'));
  }

  private async savePassword(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const password = this.renderRoot.querySelector<HTMLInputElement>('#password')!.value;
    await this.action.run(() => resetPassword(this.user.name, password), texts().passwordSet, () => this.go('idle'));
  }

  private async deleteThisUser(): Promise<void> {
    await this.action.run(() => deleteUser(this.user.name), texts().deleted, () => this.go('idle'));
  }
}

customElements.define('vx-user-actions', UserActions);
