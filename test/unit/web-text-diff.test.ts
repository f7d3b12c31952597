/** The audit log's excerpt of a changed text (server/web/text-diff.ts). */
import { describe, expect, it } from 'vitest';
import { changedPart } from '../../server/web/text-diff.js';

const lines = (...xs: string[]): string => xs.join('\n');

describe('changedPart', () => {
  it('keeps the changed line and one line of context either side', () => {
    const before = lines('a', 'b', 'c', 'x: 10', 'd', 'e', 'f');
    const after = lines('a', 'b', 'c', 'x: 15', 'd', 'e', 'f');
    expect(changedPart(before, after)).toEqual({ before: lines('c', 'x: 10', 'd'), after: lines('c', 'x: 15', 'd'), fromLine: 3 });
  });

  it('shows lines added on one side only, with nothing but context on the other', () => {
    expect(changedPart(lines('a', 'b', 'c'), lines('a', 'b', 'new', 'c'))).toEqual({ before: lines('b', 'c'), after: lines('b', 'new', 'c'), fromLine: 2 });
  });

  it('spans from the first to the last difference', () => {
    const before = lines('1', '2', '3', '4', '5', '6');
    const after = lines('1', 'two', '3', '4', 'five', '6');
    expect(changedPart(before, after, 0)).toEqual({ before: lines('2', '3', '4', '5'), after: lines('two', '3', '4', 'five'), fromLine: 2 });
  });

  it('gives whole texts that have nothing in common, and nothing for equal ones', () => {
    expect(changedPart('old', 'new')).toEqual({ before: 'old', after: 'new', fromLine: 1 });
    expect(changedPart(lines('a', 'b'), lines('a', 'b'), 0)).toEqual({ before: '', after: '', fromLine: 3 });
  });
});
