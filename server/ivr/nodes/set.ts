/**
 * set: sets flow variables, the call's language or its priority.
 *
 *   - id: engelska
 *     type: set
 *     language: en                       # the language choice
 *     variables: { kanal: "telefon", nummer: "{{dialled}}" }   # placeholders: ../template.ts
 *     priority: 5                        # the call's priority in the queue
 *     vip: true
 *     next: ko
 */
import type { IvrContext } from '../context.js';
import type { NodeDefBase } from '../flow.js';
import { fillTemplate, templateProblem } from '../template.js';
import { schema } from './common.js';
import { NodeTask, nodeType } from './node.js';

export interface SetDef extends NodeDefBase {
  readonly type: 'set';
  readonly variables?: Readonly<Record<string, string | number | boolean>>;
  readonly language?: string;
  readonly priority?: number;
  readonly vip?: boolean;
}

class SetNode extends NodeTask<SetDef> {
  protected async run(ctx: IvrContext): Promise<string | undefined> {
    const d = this.def;
    for (const [name, value] of Object.entries(d.variables ?? {})) {
      ctx.variables[name] = typeof value === 'string' ? fillTemplate(value, ctx) : String(value);
    }
    if (d.language !== undefined) ctx.call.language = d.language;
    if (d.priority !== undefined) ctx.routing.priority = d.priority;
    if (d.vip !== undefined) ctx.routing.vip = d.vip;
    return this.follow();
  }
}

export const set = nodeType<SetDef>({
  type: 'set',
  settings: {
    variables: {
      type: 'object',
      propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
      additionalProperties: { type: ['string', 'number', 'boolean'] },
      errorHint: 'must map variable names (letters, digits, _) to text, numbers or true/false',
    },
    language: schema.language,
    priority: schema.priority,
    vip: { type: 'boolean', errorHint: 'must be true or false' },
  },
  branches: [],
  next: true,
  check(def) {
    if (def.variables === undefined && def.language === undefined && def.priority === undefined && def.vip === undefined) {
      return 'a set node needs "variables", "language", "priority" or "vip"';
    }
    for (const [name, value] of Object.entries(def.variables ?? {})) {
      const bad = typeof value === 'string' ? templateProblem(value) : undefined;
      if (bad) return `variables.${name}: ${bad}`;
    }
    return undefined;
  },
  create: (def) => new SetNode(def),
});
