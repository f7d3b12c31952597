/**
 * What every page shares: colours with at least 4.5:1 contrast on their
 * background, a visible focus ring, readable type.
 */
import { css } from 'lit';

export const shared = css`
  :host {
    --fg: #1a1a1a;
    --bg: #ffffff;
    --muted: #555555;
    --line: #c8c8c8;
    --panel: #f3f4f6;
    --accent: #0b5cad;
    --alarm: #b00020;
    --ok: #1b6e2a;
    --focus: #f5a000;
    color: var(--fg);
    font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
    font-size: 1rem;
    line-height: 1.4;
  }
  :focus-visible {
    outline: 3px solid var(--focus);
    outline-offset: 2px;
  }
  button {
    font: inherit;
    padding: 0.4em 0.9em;
    border: 1px solid var(--accent);
    border-radius: 4px;
    background: var(--bg);
    color: var(--accent);
    cursor: pointer;
  }
  button.primary {
    background: var(--accent);
    color: #ffffff;
  }
  button:disabled {
    opacity: 0.6;
    cursor: default;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
`;
