/**
 * Which failure the caller (or the ACD) gets when every phone of an
 * extension failed (server/sip/fork.ts, RFC 3261 section 16.7 step 6 in
 * spirit).
 */
import { describe, expect, it } from 'vitest';
import { bestFailure } from '../../server/sip/fork.js';

describe('the failure of a fork where no phone answered', () => {
  it('busy on one phone beats "not there" and timeouts on the others, in any order', () => {
    expect(bestFailure([480, 486])).toBe(486);
    expect(bestFailure([486, 408, 480])).toBe(486);
  });

  it('a decline everywhere (6xx) beats busy', () => {
    expect(bestFailure([486, 603])).toBe(603);
  });

  it('a definite refusal (e.g. the phone cannot do the media) beats "not there", and "not there" beats a server error', () => {
    expect(bestFailure([480, 488])).toBe(488);
    expect(bestFailure([500, 480])).toBe(480);
  });

  it('nothing to ring is "not there"', () => {
    expect(bestFailure([])).toBe(480);
  });
});
