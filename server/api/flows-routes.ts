/**
 * IVR flows in the running configuration, which keeps each flow's YAML text
 * by name: /flows (list with the services and numbers whose calls run each
 * flow; create), /flows/:name (read with its nodes, replace, delete) and
 * /flows/:name/validate (the checks of a change, applying nothing).
 * Supervisors read; admins change. A change is checked with the whole
 * configuration as at start-up (a 422 names the flow and the node); the
 * next call runs the new flow, a call in progress keeps its own.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Flow } from '../ivr/flow.js';
import type { FlowSet } from '../ivr/flow-set.js';
import { ConfigChangeError, type RunningConfig, type RunningSnapshot } from '../running/index.js';
import { conflict, notFound } from './problem.js';
import { ADMIN, SUPERVISION } from './roles.js';
import { changeRunning, tagCurrent } from './running-change.js';

export interface FlowsRoutesDeps {
  running: RunningConfig;
}

/** The longest flow text taken: far beyond any real flow, well within the API's body limit. */
const MAX_FLOW_CHARS = 200_000;

const FlowNameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100, description: 'the flow\'s name in the running configuration' }) });
const FlowText = Type.Object({ yaml: Type.String({ minLength: 1, maxLength: MAX_FLOW_CHARS, description: 'the flow as YAML (ivr-flows format)' }) },
  { additionalProperties: false });

const FlowSummarySchema = Type.Object({
  name: Type.String(),
  description: Type.Optional(Type.String()),
  default: Type.Boolean({ description: 'runs for services without a flow of their own' }),
  services: Type.Array(Type.String(), { description: 'services whose calls run this flow now' }),
  numbers: Type.Array(Type.String(), { description: 'dialled numbers and internal codes whose calls run this flow now' }),
}, { title: 'FlowSummary' });

const NodeSchema = Type.Object({
  id: Type.String(),
  type: Type.String(),
  next: Type.Optional(Type.String()),
  branches: Type.Optional(Type.Record(Type.String(), Type.String())),
}, { additionalProperties: true, description: 'a node as the flow writes it' });

const FlowSchema = Type.Intersect([FlowSummarySchema, Type.Object({
  yaml: Type.String(),
  start: Type.String(),
  nodes: Type.Array(NodeSchema),
})], { title: 'Flow' });

const ValidationSchema = Type.Object({
  valid: Type.Boolean(),
  errors: Type.Array(Type.Object({
    file: Type.String({ description: 'where the configuration keeps the flow, e.g. flows.kundtjanst, or the place at fault outside it' }),
    node: Type.Optional(Type.String()),
    reason: Type.String(),
  })),
}, { title: 'FlowValidation' });

/** The flow the running configuration keeps under `name`, as parsed. */
function flowNamed(flows: FlowSet, name: string): Flow | undefined {
  return [...flows.flows.values()].find((f) => f.file === `flows.${name}`);
}

/** Which services and numbers each flow serves now: the numbers of the configuration, routed as a call would be. */
function usage(snapshot: RunningSnapshot): Map<Flow, { services: Set<string>; numbers: Set<string> }> {
  const used = new Map<Flow, { services: Set<string>; numbers: Set<string> }>();
  const entry = (f: Flow) => used.get(f) ?? used.set(f, { services: new Set(), numbers: new Set(f.numbers) }).get(f)!;
  for (const f of snapshot.flows.flows.values()) entry(f);
  for (const n of snapshot.operational.numbers) {
    if (n.target !== undefined) continue;
    const flow = snapshot.flows.forCall({ dialled: n.number, service: n.service });
    if (!flow) continue;
    entry(flow).services.add(n.service);
    entry(flow).numbers.add(n.number);
  }
  return used;
}

type Usage = ReturnType<typeof usage>;

function summary(used: Usage, name: string, flow: Flow) {
  const mine = used.get(flow);
  return {
    name,
    ...(flow.description !== undefined ? { description: flow.description } : {}),
    default: flow.isDefault,
    services: [...(mine?.services ?? [])],
    numbers: [...(mine?.numbers ?? [])],
  };
}

function detail(snapshot: RunningSnapshot, name: string) {
  const flow = flowNamed(snapshot.flows, name);
  const yaml = snapshot.operational.flows[name];
  if (!flow || yaml === undefined) throw notFound('flow', name);
  return { ...summary(usage(snapshot), name, flow), yaml, start: flow.start, nodes: [...flow.nodes.values()] };
}

export function flowsRoutes({ running }: FlowsRoutesDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/flows', {
      config: { roles: SUPERVISION },
      schema: { summary: 'All IVR flows, with the services and numbers that run each', response: { 200: Type.Array(FlowSummarySchema) } },
    }, async (_request, reply) => {
      const snapshot = running.current;
      tagCurrent(running, reply);
      const used = usage(snapshot);
      return Object.keys(snapshot.operational.flows).flatMap((name) => {
        const flow = flowNamed(snapshot.flows, name);
        return flow ? [summary(used, name, flow)] : [];
      });
    });

    app.get('/flows/:name', {
      config: { roles: SUPERVISION },
      schema: { summary: 'One IVR flow: its YAML text and its nodes', params: FlowNameParams, response: { 200: FlowSchema } },
    }, async (request, reply) => {
      const snapshot = running.current;
      tagCurrent(running, reply);
      return detail(snapshot, request.params.name);
    });

    app.post('/flows/:name/validate', {
      config: { roles: ADMIN },
      schema: {
        summary: 'Check a flow as it would replace (or add) the flow of this name, with the checks of a change; nothing is applied',
        params: FlowNameParams, body: FlowText, response: { 200: ValidationSchema },
      },
    }, async (request) => {
      const { name } = request.params;
      try {
        running.check((draft) => { draft.flows[name] = request.body.yaml; });
        return { valid: true, errors: [] };
      } catch (err) {
        if (!(err instanceof ConfigChangeError)) throw err;
        const file = err.path.join('.') || 'configuration';
        const at = err.flowNode;
        return { valid: false, errors: [at ? { file, node: at.id, reason: at.reason } : { file, reason: err.problem }] };
      }
    });

    app.put('/flows/:name', {
      config: { roles: ADMIN },
      schema: {
        summary: 'Replace a flow: the next call runs it, calls in progress keep theirs (If-Match: the ETag read)',
        params: FlowNameParams, body: FlowText, response: { 200: FlowSchema },
      },
    }, async (request, reply) => {
      const { name } = request.params;
      if (running.current.operational.flows[name] === undefined) throw notFound('flow', name);
      const next = await changeRunning(running, request, reply, `replaced flow ${name}`, (draft) => {
        draft.flows[name] = request.body.yaml;
      });
      return detail(next, name);
    });

    app.post('/flows', {
      config: { roles: ADMIN },
      schema: {
        summary: 'Add a flow',
        body: Type.Object({ name: FlowNameParams.properties.name, yaml: FlowText.properties.yaml }, { additionalProperties: false }),
        response: { 201: FlowSchema },
      },
    }, async (request, reply) => {
      const { name, yaml } = request.body;
      if (running.current.operational.flows[name] !== undefined) throw conflict(`flow '${name}' exists: replace it with PUT /flows/${name}`, '/name');
      const next = await changeRunning(running, request, reply, `added flow ${name}`, (draft) => { draft.flows[name] = yaml; });
      return reply.code(201).send(detail(next, name));
    });

    app.delete('/flows/:name', {
      config: { roles: ADMIN },
      schema: { summary: 'Delete a flow no service or number runs', params: FlowNameParams, response: { 204: Type.Null() } },
    }, async (request, reply) => {
      const { name } = request.params;
      const snapshot = running.current;
      const flow = flowNamed(snapshot.flows, name);
      if (!flow) throw notFound('flow', name);
      const used = usage(snapshot).get(flow);
      if (used && (used.services.size > 0 || used.numbers.size > 0)) {
        throw conflict(`flow '${name}' is in use by ${[...used.services, ...used.numbers].join(', ')}: give them another flow first`);
      }
      await changeRunning(running, request, reply, `deleted flow ${name}`, (draft) => { delete draft.flows[name]; });
      return reply.code(204).send(null);
    });
  };
}
