/**
 * Errors as application/problem+json (RFC 9457). A handler throws an
 * ApiProblem; the API's error handler (./server.ts) writes it, and turns
 * fastify's own validation errors into the same shape, naming the field at
 * fault.
 *
 * A refusal the pages word in their user's language carries a stable
 * `code` besides the product's English `detail`: the pages show their own
 * text for a code they know, the detail for anything else.
 */
import { Type } from 'typebox';

export const PROBLEM_CODES = [
  // A request's field (the problem's `field`): missing, or not one the route knows.
  'required', 'unknown-field',
  // Users (server/users/users.ts).
  'name-taken', 'bad-user-name', 'last-admin', 'wrong-old-password',
  // Agents' states: one who answers on a phone has none registered.
  'no-phone',
  // Announcements: an upload that is no sound, or over the upload limit.
  'not-audio', 'too-large',
] as const;

export type ProblemCode = (typeof PROBLEM_CODES)[number];

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  /** The request field at fault, as a JSON pointer into the body or the parameter's name. */
  field?: string;
  code?: ProblemCode;
}

export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly field?: string,
    readonly code?: ProblemCode,
  ) {
    super(detail ?? title);
    this.name = 'ApiProblem';
  }

  body(): ProblemBody {
    return {
      type: 'about:blank',
      title: this.title,
      status: this.status,
      ...(this.detail !== undefined ? { detail: this.detail } : {}),
      ...(this.field !== undefined ? { field: this.field } : {}),
      ...(this.code !== undefined ? { code: this.code } : {}),
    };
  }
}

export const notFound = (what: string, id: string): ApiProblem =>
  new ApiProblem(404, 'Not Found', `no ${what} '${id}'`);

export const badRequest = (detail: string, field?: string, code?: ProblemCode): ApiProblem =>
  new ApiProblem(400, 'Bad Request', detail, field, code);

export const conflict = (detail: string, field?: string, code?: ProblemCode): ApiProblem =>
  new ApiProblem(409, 'Conflict', detail, field, code);

/** The problem body's schema, for the OpenAPI document and the serializer. */
export const ProblemSchema = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.Optional(Type.String()),
  field: Type.Optional(Type.String({ description: 'The request field at fault: a JSON pointer into the body, or a parameter name' })),
  code: Type.Optional(Type.Union(PROBLEM_CODES.map((c) => Type.Literal(c)), {
    description: 'A stable code of this kind of refusal, for a client to say it in its own words; detail says it in English',
  })),
}, { title: 'Problem' });
