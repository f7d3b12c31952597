/**
 * How a route changes the running configuration (server/running): on behalf
 * of the signed-in user, checked whole, all or nothing. A change the checks
 * refuse is a 422 naming the place at fault; a change made against an older
 * version than the current one (the client sent `If-Match` with the version
 * it read, as the `ETag` of a read says) is a 409, so two operators editing
 * at once never overwrite each other unseen.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ConfigChangeError, ConfigConflictError, type Operational, type RunningConfig, type RunningSnapshot } from '../running/index.js';
import { ApiProblem } from './problem.js';

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
  const expected = expectedVersion(request);
  try {
    const next = await running.change(request.user?.name ?? 'unknown', summary, mutate,
      expected === undefined ? {} : { expectedVersion: expected });
    void reply.header('etag', versionTag(next.version));
    return next;
  } catch (err) {
    if (err instanceof ConfigChangeError) {
      throw new ApiProblem(422, 'Unprocessable Content', err.message, err.path.length ? `/${err.path.join('/')}` : undefined);
    }
    if (err instanceof ConfigConflictError) throw new ApiProblem(409, 'Conflict', err.message, 'If-Match');
    throw err;
  }
}
