/**
 * A flow that cannot be used, as one line naming the file, the node and
 * the reason (the message style of config/validation-kit.ts):
 *
 *   ivr-flows/kundtjanst.yaml: node "meny": branch "2" goes to "saknas", which does not exist
 */
export class FlowError extends Error {
  constructor(
    /** The file as shown, e.g. "ivr-flows/kundtjanst.yaml". */
    readonly file: string,
    /** The node's id, when the problem is in one node. */
    readonly node: string | undefined,
    readonly reason: string,
  ) {
    super(`${file}: ${node !== undefined ? `node "${node}": ` : ''}${reason}`);
    this.name = 'FlowError';
  }
}
