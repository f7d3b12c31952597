/** A wrong use of the ACD (unknown entry or agent, an action the state does not allow, bad configuration). */
export class AcdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AcdError';
  }
}
