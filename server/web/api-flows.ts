/** IVR flows through the API (server/api/flows-routes.ts). */
import { call, versioned, type Versioned } from './api.js';

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

const flowPath = (name: string): string => `/flows/${encodeURIComponent(name)}`;

export const listFlows = (): Promise<FlowSummary[]> => call('GET', '/flows');

/** The flow with the configuration's version it was read at (its ETag, sent back as If-Match). */
export const readFlow = (name: string): Promise<Versioned<FlowDetail>> => versioned('GET', flowPath(name));

export const validateFlow = (name: string, yaml: string): Promise<FlowValidation> => call('POST', `${flowPath(name)}/validate`, { yaml });

/** Replaces the flow unless the configuration changed since `etag` was read (then a 409). */
export const saveFlow = (name: string, yaml: string, etag: string): Promise<Versioned<FlowDetail>> =>
  versioned('PUT', flowPath(name), { yaml }, etag);
