/**
 * How a route changes the running configuration (server/running): on behalf
 * of the signed-in user, checked whole, all or nothing. A change the checks
 * refuse is a 422 naming the place at fault; a change made against an older
 * version than the current one (the client sent `If-Match` with the version
 * it read, as the `ETag` of a read says) is a 409, so two operators editing
 * at once never overwrite each other unseen. An import of a whole exported
 * document is answered the same way.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ConfigChangeError, ConfigConflictError, type ChangeOptions, type Operational, type RunningConfig, type RunningSnapshot } from '../running/index.js';
import { ApiProblem, notFound, unprocessable } from './problem.js';

/** What the routes over the running configuration need. */
export interface RunningRoutesDeps {
  running: RunningConfig;
}

/** The ETag of a version of the running configuration. */
export function versionTag(version: number): string {
  return `"${version}"`;
}

/** Sets the ETag of the current version on a read's answer. */
export function tagCurrent(running: RunningConfig, reply: FastifyReply): void {
  void reply.header('etag', versionTag(running.current.version));
}

function expectedVersion(request: FastifyRequest): number | undefined {
  const header = request.headers['if-match'];
  if (header === undefined) return undefined;
  const version = /^(?:W\/)?"(\d+)"$/.exec(header.trim());
  if (!version) throw new ApiProblem(400, 'Bad Request', 'If-Match must be the ETag of a version, e.g. "12"', 'If-Match');
  return Number(version[1]);
}

export async function changeRunning(
  running: RunningConfig,
  request: FastifyRequest,
  reply: FastifyReply,
  summary: string,
  mutate: (draft: Operational) => void,
): Promise<RunningSnapshot> {
  return tagged(reply, running.change(actorOf(request), summary, mutate, optionsOf(request)));
}

/** Replaces the whole running configuration with an exported YAML document, as `changeRunning` makes a change. */
export async function importRunning(running: RunningConfig, request: FastifyRequest, reply: FastifyReply, yaml: string): Promise<RunningSnapshot> {
  return tagged(reply, running.importYaml(actorOf(request), yaml, optionsOf(request)));
}

const actorOf = (request: FastifyRequest): string => request.user?.name ?? 'unknown';

function optionsOf(request: FastifyRequest): ChangeOptions {
  const expected = expectedVersion(request);
  return expected === undefined ? {} : { expectedVersion: expected };
}

/** The new version's ETag on the answer, or the refusal as a problem. */
async function tagged(reply: FastifyReply, change: Promise<RunningSnapshot>): Promise<RunningSnapshot> {
  try {
    const next = await change;
    void reply.header('etag', versionTag(next.version));
    return next;
  } catch (err) {
    if (err instanceof ConfigChangeError) {
      throw unprocessable(err.message, err.path.length ? `/${err.path.join('/')}` : undefined, err.refusal);
    }
    if (err instanceof ConfigConflictError) throw new ApiProblem(409, 'Conflict', err.message, 'If-Match');
    throw err;
  }
}

/** The entry of `list` whose key is `id`, or a 404 naming `what`. */
export function entryOf<T>(list: readonly T[], keyOf: (entry: T) => string, what: string, id: string): T {
  return list[indexOf(list, keyOf, what, id)]!;
}

/** The index of the entry of `list` whose key is `id`, or a 404 naming `what`. */
export function indexOf<T>(list: readonly T[], keyOf: (entry: T) => string, what: string, id: string): number {
  const i = list.findIndex((entry) => keyOf(entry) === id);
  if (i < 0) throw notFound(what, id);
  return i;
}
