/**
 * The running configuration as a whole: GET /config/audit (who changed
 * what and when, newest first, a page at a time; admins and supervisors),
 * GET /config (the whole of it as one YAML document, admins only) and
 * PUT /config (a document of that form replaces it, checked whole and
 * audited as one change; admins only).
 *
 * The exported document holds the extensions' passwords and the operators'
 * PINs: its answer is marked not to be stored (Cache-Control: no-store) and
 * it goes to no log (request lines never carry bodies).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AuditRecordSchema } from './config-schemas.js';
import { ApiProblem } from './problem.js';
import { ADMIN, SUPERVISION } from './roles.js';
import { importRunning, tagCurrent, type RunningRoutesDeps } from './running-change.js';

const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml'];
const AUDIT_PAGE = 50;
const MAX_AUDIT_PAGE = 200;

export function configRoutes({ running }: RunningRoutesDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.addContentTypeParser(YAML_TYPES, { parseAs: 'string' }, (_request, body, done) => { done(null, body); });

    app.get('/config/audit', {
      config: { roles: SUPERVISION },
      schema: {
        summary: 'The audit log of the running configuration, newest first',
        querystring: Type.Object({
          before: Type.Optional(Type.Integer({ minimum: 1, description: 'only versions older than this: the `next` of the page before' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_AUDIT_PAGE, default: AUDIT_PAGE })),
        }, { additionalProperties: false }),
        response: { 200: Type.Object({ records: Type.Array(AuditRecordSchema), next: Type.Optional(Type.Integer()) }) },
      },
    }, async (request) => {
      const { before, limit = AUDIT_PAGE } = request.query;
      return running.auditPage({ limit, ...(before !== undefined ? { before } : {}) });
    });

    app.get('/config', {
      config: { roles: ADMIN },
      schema: {
        summary: 'The whole running configuration as YAML, flows included; it holds passwords and PINs: keep it secret',
        response: { 200: { content: { 'application/yaml': { schema: Type.String() } } } },
      },
    }, async (_request, reply) => {
      tagCurrent(running, reply);
      return reply.header('cache-control', 'no-store')
        .header('content-disposition', 'attachment; filename="vaxel-running-config.yaml"')
        .type('application/yaml; charset=utf-8')
        .send(running.exportYaml());
    });

    app.put('/config', {
      config: { roles: ADMIN },
      schema: {
        summary: 'Replace the whole running configuration with an exported YAML document, checked whole; nothing applied when any of it is wrong',
        body: { content: { 'application/yaml': { schema: Type.String({ description: 'the document GET /config gives' }) } } },
        response: { 200: Type.Object({ version: Type.Integer() }) },
      },
    }, async (request, reply) => {
      if (typeof request.body !== 'string') throw new ApiProblem(415, 'Unsupported Media Type', `send the YAML document as ${YAML_TYPES[0]}`);
      const next = await importRunning(running, request, reply, request.body);
      request.log.info({ by: request.user!.name, version: next.version }, 'running configuration imported');
      return { version: next.version };
    });
  };
}
