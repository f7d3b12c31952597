import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  MAX_SPOKEN_NUMBER,
  PromptError,
  loadPromptSet,
  musicFile,
  numberPromptNames,
  promptFile,
  promptSetFromManifest,
  speakDigits,
  speakEstimatedWait,
  speakMinutes,
  speakNumber,
  speakQueuePosition,
  type PromptEntry,
} from '../../media/speech.js';

const prompts = loadPromptSet();
const root = path.resolve('media/prompts');

/** The prompt names of a list of files under <root>/<lang>/. */
function names(files: string[], lang: string): string[] {
  return files.map((f) => {
    expect(path.dirname(f)).toBe(path.join(root, lang));
    return path.basename(f, '.wav');
  });
}

/** Numbers with a recording of their own, in both languages. */
const OWN_PROMPT = [0, 1, 7, 20, 21, 99, 100, 500, 1000].map((n): [number, string[]] => [n, [`number_${n}`]]);

describe('a number is spoken from the number prompts', () => {
  it.each([
    ...OWN_PROMPT,
    [137, ['number_100', 'number_37']],
    [1005, ['number_1000', 'number_5']],
    [2024, ['number_2', 'number_thousand', 'number_24']],
    [21_000, ['number_21', 'number_thousand']],
    [137_137, ['number_100', 'number_37', 'number_thousand', 'number_100', 'number_37']],
    [1_000_000, ['number_1_common', 'number_million']],
    [2_500_000, ['number_2', 'number_millions', 'number_500', 'number_thousand']],
  ])('in Swedish, %i is %j ("etthundratrettiosju" style)', (n, expected) => {
    expect(names(speakNumber(prompts, 'sv', n), 'sv')).toEqual(expected);
  });

  it.each([
    ...OWN_PROMPT,
    [137, ['number_100', 'number_and', 'number_37']],
    [1005, ['number_1000', 'number_and', 'number_5']],
    [1100, ['number_1000', 'number_100']],
    [2024, ['number_2', 'number_thousand', 'number_and', 'number_24']],
    [21_000, ['number_21', 'number_thousand']],
    [1_000_000, ['number_1', 'number_million']],
    [2_000_040, ['number_2', 'number_million', 'number_and', 'number_40']],
  ])('in English, %i is %j ("one hundred and thirty seven" style)', (n, expected) => {
    expect(names(speakNumber(prompts, 'en', n), 'en')).toEqual(expected);
  });

  it('every number up to 2000, and samples up to the largest, has all its prompts in both languages', () => {
    const samples = [...Array.from({ length: 2001 }, (_, i) => i), 10_001, 99_999, 100_100, 999_999, 1_001_001, 123_456_789, MAX_SPOKEN_NUMBER];
    for (const lang of ['sv', 'en']) {
      for (const n of samples) expect(() => speakNumber(prompts, lang, n), `${lang} ${n}`).not.toThrow();
    }
  });

  it('refuses what it cannot say: negative, fractions, too large', () => {
    for (const n of [-1, 1.5, Number.NaN, MAX_SPOKEN_NUMBER + 1]) {
      expect(() => speakNumber(prompts, 'sv', n)).toThrow(RangeError);
    }
    expect(() => speakNumber(prompts, 'en', 1e9)).toThrow(/only whole numbers from 0 to 999999999/);
  });
});

describe('a waiting caller hears their place in the queue', () => {
  it('"Du är nummer sju i kön"', () => {
    expect(names(speakQueuePosition(prompts, 'sv', 7), 'sv')).toEqual(['queue_position_prefix', 'number_7', 'queue_position_suffix']);
  });

  it('"You are number one hundred and thirty seven in the queue"', () => {
    expect(names(speakQueuePosition(prompts, 'en', 137), 'en')).toEqual([
      'queue_position_prefix', 'number_100', 'number_and', 'number_37', 'queue_position_suffix',
    ]);
  });

  it('"nummer ett", not "nummer en": the first in line is counted', () => {
    expect(names(speakQueuePosition(prompts, 'sv', 1), 'sv')).toEqual(['queue_position_prefix', 'number_1', 'queue_position_suffix']);
  });

  it('position 0 does not exist', () => {
    expect(() => speakQueuePosition(prompts, 'en', 0)).toThrow(RangeError);
  });
});

describe('a waiting caller hears the estimated wait, one minute in the singular', () => {
  it('"Beräknad väntetid är en minut": common gender "en", singular "minut"', () => {
    expect(names(speakEstimatedWait(prompts, 'sv', 1), 'sv')).toEqual(['estimated_wait_prefix', 'number_1_common', 'minute']);
  });

  it('"The estimated waiting time is one minute"', () => {
    expect(names(speakEstimatedWait(prompts, 'en', 1), 'en')).toEqual(['estimated_wait_prefix', 'number_1', 'minute']);
  });

  it.each([
    ['sv', 0, ['number_0', 'minutes']],
    ['sv', 2, ['number_2', 'minutes']],
    ['sv', 21, ['number_21', 'minutes']],
    ['sv', 120, ['number_100', 'number_20', 'minutes']],
    ['en', 0, ['number_0', 'minutes']],
    ['en', 2, ['number_2', 'minutes']],
    ['en', 21, ['number_21', 'minutes']],
    ['en', 120, ['number_100', 'number_and', 'number_20', 'minutes']],
  ])('%s: %i minutes is %j, plural', (lang, minutes, expected) => {
    expect(names(speakMinutes(prompts, lang, minutes), lang)).toEqual(expected);
    expect(names(speakEstimatedWait(prompts, lang, minutes), lang)).toEqual(['estimated_wait_prefix', ...expected]);
  });

  it('takes whole minutes only: rounding is the caller\'s policy', () => {
    expect(() => speakEstimatedWait(prompts, 'sv', 2.5)).toThrow(RangeError);
    expect(() => speakMinutes(prompts, 'en', -1)).toThrow(RangeError);
  });
});

describe('a callback number is read back digit by digit', () => {
  it('"Vi ringer upp dig på numret noll sju noll ..."', () => {
    expect(names(speakDigits(prompts, 'sv', '070-174 06 05'), 'sv')).toEqual(
      [0, 7, 0, 1, 7, 4, 0, 6, 0, 5].map((d) => `number_${d}`),
    );
  });

  it('refuses a "+" or letters: the national form is read', () => {
    expect(() => speakDigits(prompts, 'en', '+46701740605')).toThrow(RangeError);
    expect(() => speakDigits(prompts, 'en', '')).toThrow(RangeError);
  });
});

describe('errors are clear', () => {
  it('an unknown language names the languages there are', () => {
    expect(() => speakNumber(prompts, 'de', 7)).toThrow(PromptError);
    expect(() => speakQueuePosition(prompts, 'no', 7)).toThrow('unknown prompt language "no": the system prompts exist in sv, en');
    expect(() => numberPromptNames('fi', 1)).toThrow(/unknown prompt language "fi"/);
  });

  it('a prompt missing from the prompt set names the prompt, the language and the root', () => {
    const entry = (lang: string, name: string): PromptEntry => ({ name, lang, text: name, file: `${lang}/${name}.wav`, durationSec: 1 });
    const partial = promptSetFromManifest(
      { prompts: [entry('sv', 'number_2'), entry('sv', 'minutes'), entry('sv', 'estimated_wait_prefix')], music: [] },
      '/srv/prompts',
    );
    expect(speakEstimatedWait(partial, 'sv', 2)).toEqual(['/srv/prompts/sv/estimated_wait_prefix.wav', '/srv/prompts/sv/number_2.wav', '/srv/prompts/sv/minutes.wav']);
    expect(() => speakNumber(partial, 'sv', 2000)).toThrow('missing prompt "number_thousand" for language "sv" in /srv/prompts');
    expect(() => speakNumber(partial, 'en', 2)).toThrow(/missing prompt "number_2" for language "en"/);
    expect(() => musicFile(partial)).toThrow(/missing music on hold "default"/);
  });

  it('a manifest that is not one is refused at load', () => {
    expect(() => promptSetFromManifest({ files: [] }, '/x', 'x/manifest.json')).toThrow(PromptError);
    expect(() => loadPromptSet('/nonexistent/prompts')).toThrow(/cannot read the prompt manifest \/nonexistent\/prompts\/manifest.json/);
  });
});

describe('single prompts and music on hold', () => {
  it('resolve to files under the prompt root', () => {
    expect(promptFile(prompts, 'sv', 'welcome')).toBe(path.join(root, 'sv', 'welcome.wav'));
    expect(promptFile(prompts, 'en', 'beep')).toBe(path.join(root, 'en', 'beep.wav'));
    expect(musicFile(prompts)).toBe(path.join(root, 'moh', 'default.wav'));
  });
});
