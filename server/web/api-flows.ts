/** IVR flows through the API (server/api/flows-routes.ts). */
import { call } from './api.js';

export interface FlowSummary {
  name: string;
  description?: string;
  default: boolean;
  services: string[];
  numbers: string[];
}

export interface FlowNode {
  id: string;
  type: string;
  next?: string;
  branches?: Record<string, string>;
  [setting: string]: unknown;
}

export interface FlowDetail extends FlowSummary {
  yaml: string;
  start: string;
  nodes: FlowNode[];
}

export interface FlowValidation {
  valid: boolean;
  errors: Array<{ file: string; node?: string; reason: string }>;
}

/** A flow as read, with the configuration's version it was read at (its ETag, sent back as If-Match). */
export interface TaggedFlow {
  flow: FlowDetail;
  etag: string | undefined;
}

const flowPath = (name: string): string => `/flows/${encodeURIComponent(name)}`;

export const listFlows = (): Promise<FlowSummary[]> => call('GET', '/flows');

export async function readFlow(name: string): Promise<TaggedFlow> {
  let etag: string | undefined;
  const flow = await call<FlowDetail>('GET', flowPath(name), undefined, { onTag: (tag) => { etag = tag; } });
  return { flow, etag };
}

export const validateFlow = (name: string, yaml: string): Promise<FlowValidation> => call('POST', `${flowPath(name)}/validate`, { yaml });

/** Replaces the flow unless the configuration changed since `etag` (then a 409). */
export async function saveFlow(name: string, yaml: string, etag: string | undefined): Promise<TaggedFlow> {
  let next: string | undefined;
  const flow = await call<FlowDetail>('PUT', flowPath(name), { yaml }, {
    headers: etag ? { 'if-match': etag } : {},
    onTag: (tag) => { next = tag; },
  });
  return { flow, etag: next };
}
