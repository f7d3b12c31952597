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

/** Tables of the administration pages. */
export const tables = css`
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; vertical-align: top; padding: 0.45em 0.6em; border-bottom: 1px solid var(--line); }
  thead th { color: var(--muted); font-weight: 600; }
  .table-wrap { overflow-x: auto; }
  input, select, textarea { font: inherit; padding: 0.3em 0.4em; border: 1px solid var(--muted); border-radius: 4px; background: var(--bg); color: var(--fg); }
  /* On a phone each row becomes a card, its cells one under the other. */
  @media (max-width: 40rem) {
    table, tbody, tr, th, td { display: block; }
    thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
    tr { border-bottom: 2px solid var(--line); padding: 0.4em 0; }
    th, td { border-bottom: none; padding: 0.2em 0.6em; }
  }
`;
