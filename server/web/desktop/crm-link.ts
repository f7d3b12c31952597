/**
 * The CRM link of an offer (agentDesktop.crmUrl, whose placeholders the
 * product checks when it loads its configuration): each placeholder
 * replaced by the call's value, URL-encoded, so a caller's "+" or a
 * service's "å" cannot break the link.
 */
import type { CRM_URL_PLACEHOLDERS } from '../../../config/schema.js';

export type CrmValues = Partial<Record<(typeof CRM_URL_PLACEHOLDERS)[number], string>>;

export function crmLink(template: string, values: CrmValues): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name as keyof CrmValues] ?? ''));
}
