/**
 * The language of the pages: Swedish unless the user switched, remembered
 * in this browser. Components re-render on a switch through `LanguageController`.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { en } from './en.js';
import { sv, type Texts } from './sv.js';

export type Lang = 'sv' | 'en';

const TEXTS: Record<Lang, Texts> = { sv, en };
const STORAGE_KEY = 'vaxel.lang';
const CHANGED = 'vaxel-lang-changed';

let current: Lang = localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'sv';
document.documentElement.lang = current;

/** The texts of the current language. */
export function texts(): Texts {
  return TEXTS[current];
}

export function language(): Lang {
  return current;
}

export function setLanguage(lang: Lang): void {
  current = lang;
  localStorage.setItem(STORAGE_KEY, lang);
  document.documentElement.lang = lang;
  window.dispatchEvent(new Event(CHANGED));
}

/** Re-renders its host when the language changes. */
export class LanguageController implements ReactiveController {
  private readonly changed = (): void => this.host.requestUpdate();

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  hostConnected(): void {
    window.addEventListener(CHANGED, this.changed);
  }

  hostDisconnected(): void {
    window.removeEventListener(CHANGED, this.changed);
  }
}
