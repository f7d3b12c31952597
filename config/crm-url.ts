/**
 * The agent desktop's CRM link (agentDesktop.crmUrl): a URL template whose
 * `{caller}`, `{dialled}` and `{service}` the page replaces with the offered
 * call's values, URL-encoded. Checked at load, so a typo in a placeholder or
 * a link that is no web address stops start-up rather than greeting agents
 * with a broken link.
 */
import { CRM_URL_PLACEHOLDERS } from './schema.js';

/** What is wrong with a template, or null when it makes good links. */
export function crmUrlProblem(template: string): string | null {
  const known = new Set<string>(CRM_URL_PLACEHOLDERS);
  for (const [, name] of template.matchAll(/\{([^{}]*)\}/g)) {
    if (!known.has(name!)) return `has an unknown placeholder {${name}}: use ${CRM_URL_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`;
  }
  const sample = template.replace(/\{[^{}]*\}/g, '0');
  let url: URL;
  try {
    url = new URL(sample);
  } catch {
    return 'must be an absolute http:// or https:// URL, such as https://crm.example.com/search?phone={caller}';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `must be an http:// or https:// URL, got a ${url.protocol} URL`;
  return null;
}
