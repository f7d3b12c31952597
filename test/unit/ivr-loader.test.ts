import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config/load.js';
import { FlowError } from '../../server/ivr/flow-error.js';
import { loadFlows } from '../../server/ivr/flow-set.js';
import { parseFlow } from '../../server/ivr/parse-flow.js';
import { tempDir } from '../support/tmp.js';

const config = loadConfig({ env: {} });
const services = config.numbers.map((n) => n.service);
const extensions = config.extensions.map((e) => e.extension);
const known = { services, extensions };

/** Parses a flow as if it were ivr-flows/kundtjanst.yaml; the error message, or 'ok'. */
function problem(yaml: string, file = 'ivr-flows/kundtjanst.yaml'): string {
  try {
    parseFlow(yaml, file, path.resolve('ivr-flows'), known);
    return 'ok';
  } catch (err) {
    expect(err).toBeInstanceOf(FlowError);
    return (err as Error).message;
  }
}

/** A small valid flow: a menu with two keys, each to a queue. */
const MENU_FLOW = `
services: [Kundtjänst]
nodes:
  - id: meny
    type: menu
    prompts: [welcome]
    branches: { "1": privat, "2": foretag, invalid: privat }
  - id: privat
    type: queue
    queue: privat
  - id: foretag
    type: queue
    queue: foretag
`;

describe("the demo company's flows", () => {
  const flows = loadFlows(path.resolve('ivr-flows'), known);

  it('load without a warning', () => {
    expect([...flows.flows.keys()].sort()).toEqual(['foretag', 'inspelning', 'kort-och-sparr', 'kundtjanst', 'standard', 'vaxel']);
    expect(flows.warnings).toEqual([]);
  });

  it('every Kustbanken number leads to a flow, and each service to its own', () => {
    for (const n of config.numbers) {
      expect(flows.forCall({ dialled: n.number, service: n.service }), n.number).toBeDefined();
    }
    expect(flows.forCall({ dialled: '+46313900600', service: 'Växel' })?.name).toBe('vaxel');
    expect(flows.forCall({ dialled: '+46313900601', service: 'Kundtjänst' })?.name).toBe('kundtjanst');
    expect(flows.forCall({ dialled: '+46313900604', service: 'Bolån' })?.name).toBe('standard');
  });

  it('Kort och spärr has no menu at all: one number, straight to the queue', () => {
    const flow = flows.forCall({ dialled: '+46313900603', service: 'Kort och spärr' })!;
    expect([...flow.nodes.values()].map((n) => n.type)).toEqual(['queue']);
  });

  it('an operator dialling *77 reaches the recording flow', () => {
    const flow = flows.forCall({ dialled: '*77' })!;
    expect(flow.name).toBe('inspelning');
    expect(flow.nodes.get(flow.start)?.type).toBe('record-announcement');
  });

  it('together they use every node type', () => {
    const types = new Set([...flows.flows.values()].flatMap((f) => [...f.nodes.values()].map((n) => n.type)));
    expect([...types].sort()).toEqual(
      ['avalanche', 'callback', 'goto', 'hangup', 'hours', 'http', 'menu', 'play', 'queue', 'record-announcement', 'set', 'transfer'],
    );
  });

  it('a loaded flow is frozen: a call cannot change it under another call', () => {
    const flow = flows.flows.get('vaxel')!;
    expect(Object.isFrozen(flow)).toBe(true);
    expect(Object.isFrozen(flow.nodes.get('sprakval')!.branches)).toBe(true);
  });
});

describe('a bad flow is refused with one line naming the file, the node and the reason', () => {
  it('a branch to a node that does not exist', () => {
    expect(problem(MENU_FLOW.replace('"2": foretag', '"2": saknas'))).toBe(
      'ivr-flows/kundtjanst.yaml: node "meny": branch "2" goes to "saknas", which does not exist',
    );
  });

  it('a next to a node that does not exist, with a suggestion', () => {
    expect(problem(`nodes:\n  - { id: halsning, type: play, prompts: [welcome], next: koo }\n  - { id: ko, type: queue }\n`)).toBe(
      'ivr-flows/kundtjanst.yaml: node "halsning": next goes to "koo", which does not exist (did you mean "ko"?)',
    );
  });

  it('a goto to a node that does not exist', () => {
    expect(problem(`nodes:\n  - { id: igen, type: goto, to: meny }\n`)).toBe(
      'ivr-flows/kundtjanst.yaml: node "igen": goto goes to "meny", which does not exist',
    );
  });

  it('an unknown node type', () => {
    expect(problem(`nodes:\n  - { id: halsning, type: plya, prompts: [welcome] }\n`)).toBe(
      'ivr-flows/kundtjanst.yaml: node "halsning": unknown type "plya" (did you mean "play"?) ' +
        '(known types: play, menu, hours, avalanche, queue, callback, transfer, http, set, goto, hangup, record-announcement)',
    );
  });

  it('a setting the node type does not have', () => {
    expect(problem(MENU_FLOW.replace('prompts: [welcome]', 'promts: [welcome]'))).toBe(
      'ivr-flows/kundtjanst.yaml: node "meny": promts: is not a known setting of a menu node (did you mean "prompts"?)',
    );
  });

  it('a setting of the wrong kind', () => {
    expect(problem(MENU_FLOW.replace('prompts: [welcome]', 'prompts: [welcome]\n    retries: tre'))).toBe(
      'ivr-flows/kundtjanst.yaml: node "meny": retries: must be a whole number from 0 to 20, got "tre"',
    );
  });

  it('a missing setting', () => {
    expect(problem(`nodes:\n  - { id: radgivare, type: transfer }\n`)).toBe(
      'ivr-flows/kundtjanst.yaml: node "radgivare": to: is required for a transfer node',
    );
  });

  it('a misspelt required setting is named as the misspelling, not as missing', () => {
    expect(problem(`nodes:\n  - { id: radgivare, type: transfer, too: "1001" }\n`)).toBe(
      'ivr-flows/kundtjanst.yaml: node "radgivare": too: is not a known setting of a transfer node (did you mean "to"?)',
    );
  });

  it('a prompt that is not in the manifest', () => {
    expect(problem(MENU_FLOW.replace('prompts: [welcome]', 'prompts: [welcom]'))).toBe(
      'ivr-flows/kundtjanst.yaml: node "meny": prompt "welcom" is not in media/prompts/manifest.json for language "sv" (did you mean "welcome"?)',
    );
  });

  it('a branch the node type does not have', () => {
    const yaml = `nodes:\n  - { id: tider, type: hours, timezone: Europe/Stockholm, weekly: { mon: "08:00-17:00" }, branches: { opne: ko, closed: ko } }\n  - { id: ko, type: queue }\n`;
    expect(problem(yaml)).toBe('ivr-flows/kundtjanst.yaml: node "tider": branch "opne" is not a branch of an hours node (did you mean "open"?) (its branches: open, closed)');
  });

  it('a time zone that does not exist, and opening hours that do not parse', () => {
    const hoursFlow = (tz: string, mon: string): string =>
      `nodes:\n  - { id: tider, type: hours, timezone: ${tz}, weekly: { mon: "${mon}" }, branches: { open: ko, closed: ko } }\n  - { id: ko, type: queue }\n`;
    expect(problem(hoursFlow('Europe/Stokholm', '08:00-17:00'))).toBe(
      'ivr-flows/kundtjanst.yaml: node "tider": timezone "Europe/Stokholm" is not a known time zone (such as Europe/Stockholm)',
    );
    expect(problem(hoursFlow('Europe/Stockholm', '17:00-08:00'))).toBe(
      'ivr-flows/kundtjanst.yaml: node "tider": weekly.mon: "17:00-08:00" must end after it starts (split a range over midnight into two days)',
    );
  });

  it('a start node that does not exist', () => {
    expect(problem(`start: borjan\nnodes:\n  - { id: ko, type: queue }\n`)).toBe('ivr-flows/kundtjanst.yaml: start node "borjan" does not exist');
  });

  it('the same id twice', () => {
    expect(problem(`nodes:\n  - { id: ko, type: queue }\n  - { id: ko, type: queue }\n`)).toBe(
      'ivr-flows/kundtjanst.yaml: node "ko": the id is used twice (nodes[0] and nodes[1])',
    );
  });

  it('a YAML syntax error, with its line', () => {
    expect(problem(`nodes:\n  - id: ko\n    type: queue\n    type: play\n`)).toBe('ivr-flows/kundtjanst.yaml: line 4, column 5: invalid YAML: Map keys must be unique');
  });

  it('a file without nodes', () => {
    expect(problem(`services: [Kundtjänst]\n`)).toBe('ivr-flows/kundtjanst.yaml: nodes: is required for a flow file');
  });

  it('a menu with no key to press', () => {
    expect(problem(`nodes:\n  - { id: meny, type: menu, prompts: [welcome], next: ko }\n  - { id: ko, type: queue }\n`)).toBe(
      'ivr-flows/kundtjanst.yaml: node "meny": a menu needs at least one key among its branches, such as "1": some-node',
    );
  });

  it('an overflow branch without a maximum wait', () => {
    expect(problem(`nodes:\n  - { id: ko, type: queue, branches: { overflow: slut } }\n  - { id: slut, type: hangup }\n`)).toBe(
      'ivr-flows/kundtjanst.yaml: node "ko": an "overflow" branch needs "maxWaitSeconds" (how long a caller waits before it)',
    );
  });

  it('a transfer to an extension that does not exist', () => {
    expect(problem(`nodes:\n  - { id: radgivare, type: transfer, to: "1099" }\n`)).toBe(
      'ivr-flows/kundtjanst.yaml: node "radgivare": extension "1099" is not in the configuration\'s extensions',
    );
  });

  it('set and goto nodes that go round for ever', () => {
    const yaml = `nodes:\n  - { id: a, type: set, variables: { x: "1" }, next: b }\n  - { id: b, type: goto, to: a }\n`;
    expect(problem(yaml)).toBe(
      'ivr-flows/kundtjanst.yaml: node "a": loops for ever without the caller hearing anything: a -> b -> a (only set and goto nodes)',
    );
  });

  it('an http URL with an unknown placeholder', () => {
    const yaml = `nodes:\n  - { id: crm, type: http, url: "http://crm.example/?n={{nummer}}", next: ko }\n  - { id: ko, type: queue }\n`;
    expect(problem(yaml)).toBe(
      'ivr-flows/kundtjanst.yaml: node "crm": url: "{{nummer}}" is not a known placeholder (use {{caller}}, {{callerName}}, {{dialled}}, {{service}}, {{callId}}, {{language}} or {{vars.NAME}})',
    );
  });

  it("a queue node's agent must be text, with known placeholders, naming an extension that exists", () => {
    const queueWithAgent = (agent: string): string => `nodes:\n  - { id: ko, type: queue, agent: ${agent} }\n`;
    expect(problem(queueWithAgent('1002'))).toBe(
      'ivr-flows/kundtjanst.yaml: node "ko": agent: must be an agent\'s extension in quotes, or a placeholder such as "{{vars.serviceman}}", got number 1002 (put it in quotes in YAML)',
    );
    expect(problem(queueWithAgent('"{{serviceman}}"'))).toBe(
      'ivr-flows/kundtjanst.yaml: node "ko": agent: "{{serviceman}}" is not a known placeholder (use {{caller}}, {{callerName}}, {{dialled}}, {{service}}, {{callId}}, {{language}} or {{vars.NAME}})',
    );
    expect(problem(queueWithAgent('"1099"'))).toBe('ivr-flows/kundtjanst.yaml: node "ko": agent: extension "1099" is not in the configuration\'s extensions');
    expect(problem(queueWithAgent('"1002"'))).toBe('ok');
    expect(problem(queueWithAgent('"{{vars.serviceman}}"'))).toBe('ok');
  });

  it('a node that is never reached is a warning, not an error', () => {
    const { warnings } = parseFlow(`nodes:\n  - { id: ko, type: queue }\n  - { id: gammal, type: hangup }\n`, 'ivr-flows/kundtjanst.yaml', '.', known);
    expect(warnings).toContain('ivr-flows/kundtjanst.yaml: node "gammal" is never reached from the start node "ko"');
  });

  it('node ids may be Swedish words', () => {
    expect(problem(`services: [Kundtjänst]\nnodes:\n  - { id: stängt, type: hangup, prompts: [closed] }\n`)).toBe('ok');
  });
});

describe('across the flow folder', () => {
  function folder(files: Record<string, string>): string {
    const dir = tempDir('ivr-flows-');
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
    return dir;
  }

  it('a service that is not in the configuration is refused', () => {
    const dir = folder({ 'kundtjanst.yaml': MENU_FLOW.replace('[Kundtjänst]', '[Kundtjanst]') });
    expect(() => loadFlows(dir, known)).toThrow(
      `${path.join(dir, 'kundtjanst.yaml')}: service "Kundtjanst" is not a service in the configuration (did you mean "Kundtjänst"?) (config numbers[].service)`,
    );
  });

  it('a service with two flows is refused', () => {
    const dir = folder({ 'a.yaml': MENU_FLOW, 'b.yaml': MENU_FLOW });
    expect(() => loadFlows(dir, known)).toThrow(`${path.join(dir, 'b.yaml')}: service "Kundtjänst" already runs the flow in ${path.join(dir, 'a.yaml')}`);
  });
});

describe('a bad flow in the folder', () => {
  it('stops the load with the file, the node and the reason', () => {
    const dir = tempDir('ivr-flows-');
    cpSync(path.resolve('ivr-flows'), dir, { recursive: true });
    writeFileSync(path.join(dir, 'vaxel.yaml'), readFileSync(path.join(dir, 'vaxel.yaml'), 'utf8').replace('type: avalanche', 'type: lavin'));
    expect(() => loadFlows(dir, known)).toThrow(`${path.join(dir, 'vaxel.yaml')}: node "lavin": unknown type "lavin"`);
  });
});
