/**
 * The operators' API: one fastify instance on which every feature is a
 * plugin registered under its own prefix (`ApiFeature`), so each can be
 * registered and tested alone (test/support/api.ts).
 *
 * What every route shares, installed here on the root:
 * - TypeBox schemas through the type provider; bodies are validated as
 *   sent (a number where a string is expected is an error, not converted),
 *   parameters and query strings are converted from their text;
 * - the OpenAPI 3 document at GET /api/openapi.json and its browsable
 *   reference at /api/docs (@fastify/swagger-ui serves its own copy of
 *   Swagger UI; nothing is fetched from elsewhere);
 * - sign-in and roles (./auth.ts), WebSocket routes (@fastify/websocket)
 *   and cookies (@fastify/cookie): features use them and must not register
 *   them again;
 * - errors as application/problem+json (./problem.ts): the field at fault
 *   for a validation error (a JSON pointer into the body, or the
 *   parameter's name), malformed JSON, a body over the limit, unknown
 *   routes; anything unexpected is a 500 that says nothing of the cause
 *   (the cause goes to the log).
 *
 * The log is the product's (component 'api'). Request lines carry the
 * method, the path without its query string, the address and the status:
 * never headers (Authorization, Cookie) or bodies (passwords).
 */
import { STATUS_CODES } from 'node:http';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyBaseLogger, type RawReplyDefaultExpression, type RawRequestDefaultExpression, type RawServerDefault } from 'fastify';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import { registerAjvFormats, TypeBoxValidatorCompiler, type FastifyPluginAsyncTypebox, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import type { Users } from '../users/users.js';
import { installAuth, registerPublic, SESSION_COOKIE } from './auth.js';
import { ApiProblem, ProblemSchema, type ProblemCode } from './problem.js';

export type Api = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

/** A feature's routes and where they go, e.g. `{ prefix: '/api/v1', plugin: usersRoutes(deps) }`. */
export interface ApiFeature {
  prefix: string;
  plugin: FastifyPluginAsyncTypebox;
}

export interface ApiOptions {
  logger: Logger;
  users: Users;
  features: readonly ApiFeature[];
  /** PEM certificate and key: the API serves HTTPS. */
  tls?: { cert: Buffer; key: Buffer };
  /** Largest request body in bytes; default 1 MiB. */
  bodyLimit?: number;
}

export const OPENAPI_PATH = '/api/openapi.json';
export const DOCS_PATH = '/api/docs';
const DEFAULT_BODY_LIMIT = 1024 * 1024;
/** Largest message a client may send on an API WebSocket; a larger one closes it (1009). */
export const WS_MAX_PAYLOAD = 64 * 1024;

registerAjvFormats();

export async function buildApi(options: ApiOptions): Promise<Api> {
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const app = Fastify({
    loggerInstance: options.logger.child({ component: 'api' }, {
      serializers: {
        req: (req: { method: string; url: string; ip?: string; socket?: { remoteAddress?: string } }) => ({
          method: req.method, path: req.url.split('?')[0], remoteAddress: req.ip ?? req.socket?.remoteAddress,
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
    bodyLimit,
    ...(options.tls ? { https: options.tls } : {}),
    // Typed as the plain HTTP server either way: the routes do not care which it is.
  }) as unknown as FastifyInstance;
  const api: Api = app.withTypeProvider<TypeBoxTypeProvider>();
  api.setValidatorCompiler(TypeBoxValidatorCompiler);
  api.setErrorHandler((err: FastifyError, request, reply) => {
    const problem = toProblem(err, bodyLimit);
    if (problem.status >= 500) request.log.error({ err }, 'request failed');
    return reply.code(problem.status).type('application/problem+json').send(problem.body());
  });
  api.setNotFoundHandler((request, reply) => {
    const problem = new ApiProblem(404, 'Not Found', `no route ${request.method} ${request.url.split('?')[0]}`);
    return reply.code(404).type('application/problem+json').send(problem.body());
  });

  await api.register(cookie);
  // Clients of the API's sockets send little or nothing: ws would otherwise buffer up to 100 MiB of one message.
  await api.register(websocket, { options: { maxPayload: WS_MAX_PAYLOAD } });
  await api.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Växel API',
        version: '1',
        description: 'Sign in with POST /api/v1/login (a session cookie) or send an API token as "Authorization: Bearer <token>". '
          + 'Each operation lists the roles it admits in x-roles; errors are application/problem+json (RFC 9457).',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
          token: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ session: [] }, { token: [] }],
    },
  });
  installAuth(api, options.users);
  api.addHook('onRoute', (route) => {
    // Every error is a problem: say so in the document of each route that describes its answers.
    const schema = route.schema as { response?: Record<string, unknown> } | undefined;
    if (schema?.response) schema.response['4XX'] ??= ProblemSchema;
  });

  api.get(OPENAPI_PATH, { config: { public: true }, schema: { hide: true } }, () => api.swagger());
  await registerPublic(api, async (docs) => { await docs.register(swaggerUi, { routePrefix: DOCS_PATH }); });
  for (const feature of options.features) await api.register(feature.plugin, { prefix: feature.prefix });
  return api;
}

function toProblem(err: FastifyError, bodyLimit: number): ApiProblem {
  if (err instanceof ApiProblem) return err;
  if (err.validation) {
    // The first error, as TypeBox (or ajv, for a plugin's own compiler) words it.
    const first = err.validation[0] as { keyword?: string; instancePath?: string; schemaPath?: string; message?: string; params?: Record<string, unknown> } | undefined;
    const params = (first?.params ?? {}) as { missingProperty?: string; requiredProperties?: string[]; additionalProperty?: string; additionalProperties?: string[] };
    let pointer = first?.instancePath ?? '';
    let what = first?.message ?? 'is not valid';
    let code: ProblemCode | undefined;
    if (first?.keyword === 'required') {
      pointer += `/${params.missingProperty ?? params.requiredProperties?.[0] ?? ''}`;
      what = 'is required';
      code = 'required';
    } else if (first?.keyword === 'additionalProperties') {
      pointer += `/${params.additionalProperty ?? params.additionalProperties?.[0] ?? ''}`;
      what = 'is not a known field';
      code = 'unknown-field';
    } else if (first?.schemaPath?.endsWith('/additionalProperties')) {
      what = 'is not a known field';
      code = 'unknown-field';
    } else if ((first?.keyword === 'minItems' || first?.keyword === 'minLength') && (params as { limit?: unknown }).limit === 1) {
      // An empty list or text where one is needed, as the running configuration's checks name it.
      code = 'not-empty';
    }
    const where = err.validationContext ?? 'body';
    const field = where === 'body' ? pointer : pointer.split('/')[1] ?? '';
    return new ApiProblem(400, 'Bad Request', `${where} ${field || '(the whole of it)'}: ${what}`, field, code);
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE': return new ApiProblem(413, 'Content Too Large', `the body is larger than ${bodyLimit} bytes`);
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY': return new ApiProblem(400, 'Bad Request', 'the body is not valid JSON');
  }
  if (err instanceof SyntaxError) return new ApiProblem(400, 'Bad Request', 'the body is not valid JSON');
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) return new ApiProblem(status, STATUS_CODES[status] ?? 'Bad Request', err.message);
  return new ApiProblem(500, 'Internal Server Error', 'the request could not be completed; the cause is in the server log');
}
