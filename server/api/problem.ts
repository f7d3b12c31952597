/**
 * Errors as application/problem+json (RFC 9457). A handler throws an
 * ApiProblem; the API's error handler (./server.ts) writes it, and turns
 * fastify's own validation errors into the same shape, naming the field at
 * fault.
 *
 * A refusal the pages word in their user's language carries a stable
 * `code` besides the product's English `detail`, and the `params` its
 * wording needs (a range's limits, the id at fault): the pages show their
 * own text for a code they know, the detail for anything else.
 */
import { Type } from 'typebox';
import { REFUSAL_CODES, type Refusal, type RefusalCode, type RefusalParams } from '../../config/refusals.js';

const API_CODES = [
  // A request's field (the problem's `field`): missing, or not one the route knows.
  'required', 'unknown-field',
  // Users (server/users/users.ts).
  'name-taken', 'bad-user-name', 'last-admin', 'wrong-old-password', 'password-length',
  // Agents' states: one who answers on a phone has none registered.
  'no-phone',
  // Announcements: an upload that is no sound, or over the upload limit.
  'not-audio', 'too-large',
  // Wrap-up: a case type the call's queue does not list; no call answered to give one.
  'unknown-case-type', 'no-call',
] as const;

/** The API's own codes, and those of the running configuration's checks (config/refusals.ts). */
export const PROBLEM_CODES: ReadonlyArray<ProblemCode> = [...new Set([...API_CODES, ...REFUSAL_CODES])];

export type ProblemCode = (typeof API_CODES)[number] | RefusalCode;

/** The parameters of the codes whose wording needs some. */
export interface ProblemParams extends RefusalParams {
  'password-length': { min: number; max: number };
  /** The queue's codes with their names, e.g. `1 (Faktura), 2 (Adressändring)`. */
  'unknown-case-type': { codes: string };
}

/** A problem's `params`: named numbers and words. */
export type ProblemParamValues = Readonly<Record<string, string | number>>;

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  /** The request field at fault, as a JSON pointer into the body or the parameter's name. */
  field?: string;
  code?: ProblemCode;
  params?: ProblemParamValues;
}

export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly field?: string,
    readonly code?: ProblemCode,
    readonly params?: ProblemParamValues,
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
      ...(this.params !== undefined ? { params: this.params } : {}),
    };
  }
}

export const notFound = (what: string, id: string): ApiProblem =>
  new ApiProblem(404, 'Not Found', `no ${what} '${id}'`);

export const badRequest = (detail: string, field?: string, code?: ProblemCode): ApiProblem =>
  new ApiProblem(400, 'Bad Request', detail, field, code);

export const conflict = (detail: string, field?: string, code?: ProblemCode, params?: ProblemParamValues): ApiProblem =>
  new ApiProblem(409, 'Conflict', detail, field, code, params);

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
  params: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]), {
    description: "What the code's wording needs filled in, e.g. { min: 1, max: 3600 } with integer-between, { kind: 'queue', id: 'sales' } with unknown-reference",
  })),
}, { title: 'Problem' });

/** The running configuration refused a change: 422 at `field`, with the refusal's code and parameters when it has them. */
export const unprocessable = (detail: string, field: string | undefined, refusal: Refusal | undefined): ApiProblem =>
  new ApiProblem(422, 'Unprocessable Content', detail, field, refusal?.code,
    refusal && Object.keys(refusal.params).length > 0 ? refusal.params : undefined);
