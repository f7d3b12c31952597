/**
 * goto: continues at another node (to loop back to a menu, or to share a
 * tail of the flow). The interpreter's step limit stops a flow that loops
 * for ever.
 *
 *   - id: igen
 *     type: goto
 *     to: meny
 */
import type { IvrContext } from '../context.js';
import type { NodeDefBase } from '../flow.js';
import { NodeTask, nodeType } from './node.js';

export interface GotoDef extends NodeDefBase {
  readonly type: 'goto';
  readonly to: string;
}

class GotoNode extends NodeTask<GotoDef> {
  protected async run(_ctx: IvrContext): Promise<string | undefined> {
    return this.def.to;
  }
}

export const goto = nodeType<GotoDef>({
  type: 'goto',
  settings: { to: { type: 'string', minLength: 1, errorHint: 'must be the id of a node' } },
  required: ['to'],
  branches: [],
  next: false,
  targets: (def) => [{ label: 'goto', to: def.to }],
  create: (def) => new GotoNode(def),
});
