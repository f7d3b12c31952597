/**
 * Errors as application/problem+json (RFC 9457). A handler throws an
 * ApiProblem; the API's error handler (./server.ts) writes it, and turns
 * fastify's own validation errors into the same shape, naming the field at
 * fault.
 */
import { Type } from 'typebox';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  /** The request field at fault, as a JSON pointer into the body or the parameter's name. */
  field?: string;
}

export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly field?: string,
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
    };
  }
}

export const notFound = (what: string, id: string): ApiProblem =>
  new ApiProblem(404, 'Not Found', `no ${what} '${id}'`);

export const badRequest = (detail: string, field?: string): ApiProblem =>
  new ApiProblem(400, 'Bad Request', detail, field);

export const conflict = (detail: string, field?: string): ApiProblem =>
  new ApiProblem(409, 'Conflict', detail, field);

/** The problem body's schema, for the OpenAPI document and the serializer. */
export const ProblemSchema = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.Optional(Type.String()),
  field: Type.Optional(Type.String({ description: 'The request field at fault: a JSON pointer into the body, or a parameter name' })),
}, { title: 'Problem' });
