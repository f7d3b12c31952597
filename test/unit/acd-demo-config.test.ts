/**
 * The demo company's card queue (`kort` in config/default.yaml: "0 s: skill
 * kort level 3+; 120 s: group frontoffice"), loaded through the product's
 * configuration loader and run on the simulated clock: the circle only
 * widens, so the card specialists keep taking card calls after the front
 * office has joined them, and the longest idle among them all goes first.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../server/config/load.js';
import { acdAgents, acdQueues } from '../../server/config/acd.js';
import { SECOND, centre } from './acd-fixtures.js';

const ANNA = '1001'; // front office, no card skill
const ERIK = '1002'; // card level 4, front office
const OSKAR = '1004'; // card level 5, front office

async function demo(config: Config, loggedIn: string[]) {
  const queues = acdQueues(config);
  // The card queue first: the fixture's calls enter the first queue.
  queues.sort((a, b) => (a.id === 'kort' ? -1 : b.id === 'kort' ? 1 : 0));
  return centre({ queues, agents: acdAgents(config), loggedIn });
}

describe('the demo card queue widens without dropping its card specialists', () => {
  const config = loadConfig({ env: {} });

  it('is configured as the story says', () => {
    const kort = acdQueues(config).find((q) => q.id === 'kort')!;
    expect(kort.steps).toEqual([
      { afterSeconds: 0, eligible: { skill: 'kort', minLevel: 3 } },
      { afterSeconds: 120, eligible: { group: 'frontoffice' } },
    ]);
    const profiles = new Map(acdAgents(config).map((a) => [a.id, a]));
    expect(profiles.get(ANNA)).toMatchObject({ groups: ['frontoffice'], queues: expect.arrayContaining(['kort']) });
    expect(profiles.get(ANNA)!.skills.kort).toBeUndefined();
    expect(profiles.get(OSKAR)).toMatchObject({ skills: { kort: 5 }, queues: expect.arrayContaining(['kort']) });
  });

  it('for its first 120 s a card call goes only to card specialists at level 3 or more', async () => {
    // Anna has been idle the longest, but has no card skill.
    const c = await demo(config, [ANNA, ERIK, OSKAR]);
    await c.acd.enqueue(c.call('k1'));
    await c.acd.offerAccepted('k1', ERIK);
    await c.acd.enqueue(c.call('k2'));
    await c.acd.offerAccepted('k2', OSKAR);
    const t0 = c.clock.now();
    await c.acd.enqueue(c.call('k3'));
    expect(c.offers()).toEqual([['k1', ERIK], ['k2', OSKAR]]);
    await c.clock.advanceTo(t0 + 120 * SECOND - 1);
    expect(c.offers()).toHaveLength(2);
    await c.clock.advanceTo(t0 + 120 * SECOND);
    expect(c.offers().at(-1)).toEqual(['k3', ANNA]);
  });

  it('from 120 s the front office joins the card specialists, longest idle first among them all', async () => {
    const c = await demo(config, [OSKAR, ANNA, ERIK]);
    const waited = c.clock.now() - 130 * SECOND;
    for (const id of ['k1', 'k2', 'k3']) await c.acd.enqueue(c.call(id, { enqueuedAt: waited }));
    expect(c.offers()).toEqual([['k1', OSKAR], ['k2', ANNA], ['k3', ERIK]]);
  });

  it('a card call waiting past 120 s is offered to an idle card specialist outside the front office', async () => {
    // The demo has no card specialist outside the front office: Oskar leaves it here.
    const moved: Config = {
      ...config,
      extensions: config.extensions.map((e) => (e.extension === OSKAR && e.agent ? { ...e, agent: { ...e.agent, groups: [] } } : e)),
    };
    const c = await demo(moved, [OSKAR]);
    expect(c.acd.profile(OSKAR)!.groups).toEqual([]);
    await c.acd.pause(OSKAR, 'meeting');
    const t0 = c.clock.now();
    await c.acd.enqueue(c.call('k1'));
    await c.clock.advanceTo(t0 + 150 * SECOND);
    expect(c.offers()).toEqual([]);
    await c.acd.ready(OSKAR);
    expect(c.offers()).toEqual([['k1', OSKAR]]);
    expect(c.of('offered-to-agent')[0]!.at - t0).toBe(150 * SECOND);
  });
});
