/**
 * The schemas users and tokens are described with through the API, and how
 * the users' rules' refusals (server/users/users.ts) become problems.
 */
import { Type } from 'typebox';
import { EXTENSION_PATTERN } from '../../config/json-schema.js';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../users/password.js';
import { ROLES } from '../users/roles.js';
import { USER_NAME_PATTERN, UserError } from '../users/users.js';
import { ApiProblem } from './problem.js';

export const RoleSchema = Type.Enum([...ROLES], { description: 'admin, supervisor, operator or agent' });
export const UserNameSchema = Type.String({ pattern: USER_NAME_PATTERN, description: '1 to 64 letters, digits and . _ @ -' });
// The length is the users' rule (server/users/users.ts), refused there with its code and limits.
export const PasswordSchema = Type.String({ format: 'password', description: `${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters` });
export const AgentIdSchema = Type.String({ pattern: EXTENSION_PATTERN, description: 'the extension of the agent this user is' });

export const UserSchema = Type.Object({
  name: Type.String(),
  role: RoleSchema,
  agentId: Type.Optional(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
}, { title: 'User' });

export const TokenSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: RoleSchema,
  createdAt: Type.String({ format: 'date-time' }),
  createdBy: Type.String(),
}, { title: 'Token' });

export const NameParams = Type.Object({ name: UserNameSchema });

/** Records' times (ms) as the API shows them. */
export const withIsoTime = <T extends { createdAt: number }>(x: T): Omit<T, 'createdAt'> & { createdAt: string } =>
  ({ ...x, createdAt: new Date(x.createdAt).toISOString() });

/** `work`, with a refusal of the users' rules as the matching problem. */
export async function asProblem<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    const status = err.kind === 'not-found' ? 404 : err.kind === 'conflict' ? 409 : 400;
    throw new ApiProblem(status, status === 404 ? 'Not Found' : status === 409 ? 'Conflict' : 'Bad Request', err.message, err.field, err.refusal, err.params);
  }
}
