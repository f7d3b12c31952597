/**
 * The Store port in process: the default when REDIS_URL is not set.
 *
 * Everything is a Map, changed synchronously: each method applies its change,
 * calls the onChange listeners (synchronously, in the order of the changes),
 * then returns an already-resolved promise. The store keeps its own copy of
 * what it is given and never hands it out: listeners (each its own), claim
 * results and `load()` get copies, so nobody can change what is stored.
 * Copies, not frozen records: freezing cost five times a copy, and every
 * record the ACD got back frozen made its next update slow as well. A claim is atomic because nothing
 * else runs while it checks and writes (one process, one thread).
 *
 * Heartbeats (`heartbeat`, `liveInstances`, `reap*`) are kept in memory
 * and judged by the callers' clock (`at`), so engines sharing one store on
 * a simulated clock see each other lapse. Only a store made `shared` has
 * more than one engine; alone, an engine neither beats nor reaps.
 *
 * What must survive a restart is written to one JSON file under `dataDir`
 * (DATA_DIR): the callbacks (entries of kind 'callback': a caller who was
 * promised a call back must get it) and the agents' statuses (logged in or
 * out, paused and why, misses in a row, idle since). Ordinary calls are not
 * kept: their callers are gone with the process. Writes are gathered for
 * `debounceMs` and made atomically (a temporary file in the same folder,
 * then rename), so the file is always either the old or the new state.
 *
 * `load()` reads the file the first time it is called and hands back what
 * was written, as it was written: what a restart means for the calls that
 * were in flight is the ACD's rule (server/acd/restart.ts), not the
 * store's. Nothing is written before the file has been read, so a store
 * that failed to load (a corrupt file: the error names it) never overwrites
 * what is there; fix or remove the file and load again. A callback whose id
 * another already has is kept aside, handed out as a duplicate and written
 * back with the rest: the ACD reports it (server/acd/startup.ts).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { rename, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentState, AgentStatus, QueueEntry } from '../acd/model.js';
import { sameRecord } from '../acd/records.js';
import type { AcdStore, ClaimResult, LoadedState, StoreChange } from '../acd/store-port.js';

export interface MemoryStoreOptions {
  /** Folder of the state file (DATA_DIR). Without it nothing is persisted. */
  dataDir?: string;
  /** Name of the state file in dataDir. Default `acd-state.json`. */
  fileName?: string;
  /** How long changes are gathered before the file is written. Default 100 ms. */
  debounceMs?: number;
  /** A failed write, a listener that threw. Default: one line on stderr. */
  onError?: (err: Error) => void;
  /**
   * Several ACD engines use this one store (tests and simulations of a
   * shared store): they then keep heartbeats and take away what a stopped
   * one left. Default false: one instance, whose restart ends every call.
   */
  shared?: boolean;
}

export class MemoryStoreError extends Error {
  constructor(
    message: string,
    /** The state file concerned. */
    readonly file?: string,
  ) {
    super(message);
    this.name = 'MemoryStoreError';
  }
}

/** The state file's content. */
interface Persisted {
  version: 1;
  savedAt: string;
  callbacks: QueueEntry[];
  agents: AgentStatus[];
}

const AGENT_STATES: ReadonlySet<AgentState> = new Set(['logged-out', 'ready', 'reserved', 'busy', 'wrap-up', 'paused']);

function cloneEntry(e: QueueEntry): QueueEntry {
  return { ...e, data: { ...e.data } };
}

function cloneAgent(a: AgentStatus): AgentStatus {
  const c = { ...a };
  if (a.next) c.next = { ...a.next };
  if (a.otherCalls) c.otherCalls = [...a.otherCalls];
  if (a.otherCallOwners) c.otherCallOwners = { ...a.otherCallOwners };
  return c;
}

/** A change as one listener gets it: with its own copy of the record. */
function copyOfChange(change: StoreChange): StoreChange {
  if (change.kind === 'entry') return { kind: 'entry', entry: cloneEntry(change.entry) };
  if (change.kind === 'agent') return { kind: 'agent', agent: cloneAgent(change.agent) };
  return change;
}

export class MemoryStore implements AcdStore {
  readonly shared: boolean;
  private readonly entries = new Map<string, QueueEntry>();
  /** Instance id -> when its heartbeat lapses, on the callers' clock. Not persisted: a restart ends every instance. */
  private readonly beats = new Map<string, number>();
  private readonly agents = new Map<string, AgentStatus>();
  /** Callbacks of the file whose id another already had. */
  private readonly duplicates: QueueEntry[] = [];
  private readonly listeners = new Set<(change: StoreChange) => void>();
  private readonly path: string | undefined;
  private readonly debounceMs: number;
  private readonly onError: (err: Error) => void;
  /** The file was read (or found absent): from then on it may be written. */
  private armed = false;
  private changed = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private writing: Promise<void> | undefined;
  private closed = false;
  private tmpSeq = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.path = options.dataDir === undefined ? undefined : join(options.dataDir, options.fileName ?? 'acd-state.json');
    this.debounceMs = options.debounceMs ?? 100;
    this.shared = options.shared ?? false;
    this.onError = options.onError ?? ((err) => console.error(`memory store: ${err.message}`));
  }

  /** The state file, when persisting. */
  get file(): string | undefined {
    return this.path;
  }

  async load(): Promise<LoadedState> {
    this.checkOpen('load');
    if (!this.armed) {
      if (this.path) this.restore(readPersisted(this.path));
      this.armed = true;
      if (this.changed) this.schedule();
    }
    return {
      entries: [...this.entries.values()].map(cloneEntry),
      agents: [...this.agents.values()].map(cloneAgent),
      ...(this.duplicates.length ? { duplicates: this.duplicates.map(cloneEntry) } : {}),
    };
  }

  async putEntry(entry: QueueEntry): Promise<void> {
    this.checkOpen('putEntry');
    checkId('putEntry: entry.id', entry?.id);
    const stored = cloneEntry(entry);
    const old = this.entries.get(entry.id);
    this.entries.set(entry.id, stored);
    if (stored.kind === 'callback' || old?.kind === 'callback') this.persistSoon();
    this.fire({ kind: 'entry', entry: stored });
  }

  async deleteEntry(id: string): Promise<void> {
    this.checkOpen('deleteEntry');
    const old = this.entries.get(id);
    if (!old) return;
    this.entries.delete(id);
    if (old.kind === 'callback') this.persistSoon();
    this.fire({ kind: 'entry-deleted', id });
  }

  async putAgent(agent: AgentStatus): Promise<void> {
    this.checkOpen('putAgent');
    checkId('putAgent: agent.id', agent?.id);
    const stored = cloneAgent(agent);
    this.agents.set(agent.id, stored);
    this.persistSoon();
    this.fire({ kind: 'agent', agent: stored });
  }

  /**
   * Offers the entry to the agent if, and only if, the entry exists and is
   * not offered, and the agent is known and ready (checked in that order;
   * the first that fails is the reason). Both are changed before anything
   * else can run: the entry offered (offeredTo, offeredAt), the agent
   * reserved for it (since = at). Two onChange calls follow, entry first.
   */
  async claim(entryId: string, agentId: string, at: number): Promise<ClaimResult> {
    this.checkOpen('claim');
    const entry = this.entries.get(entryId);
    if (!entry) return { ok: false, reason: 'entry-gone' };
    if (entry.offeredTo !== undefined) return { ok: false, reason: 'entry-offered' };
    const agent = this.agents.get(agentId);
    if (!agent) return { ok: false, reason: 'agent-unknown' };
    if (agent.state !== 'ready') return { ok: false, reason: 'agent-not-ready' };
    // The stored records are replaced, not changed: nested parts are shared only between the store's own copies.
    const offered = { ...entry, offeredTo: agentId, offeredAt: at };
    const reserved = { ...agent, state: 'reserved' as const, since: at, entryId };
    this.entries.set(entryId, offered);
    this.agents.set(agentId, reserved);
    this.persistSoon();
    this.fire({ kind: 'entry', entry: offered });
    this.fire({ kind: 'agent', agent: reserved });
    return { ok: true, entry: cloneEntry(offered), agent: cloneAgent(reserved) };
  }

  async heartbeat(instanceId: string, at: number, ttlMs: number): Promise<void> {
    this.checkOpen('heartbeat');
    checkId('heartbeat: instanceId', instanceId);
    this.beats.set(instanceId, at + ttlMs);
  }

  async liveInstances(at: number): Promise<string[]> {
    this.checkOpen('liveInstances');
    for (const [id, until] of this.beats) if (until <= at) this.beats.delete(id);
    return [...this.beats.keys()];
  }

  async reapEntry(expected: QueueEntry, replacement: QueueEntry | undefined, at: number): Promise<boolean> {
    this.checkOpen('reapEntry');
    checkId('reapEntry: expected.owner', expected?.owner);
    const stored = this.entries.get(expected.id);
    if (!stored || !sameRecord(stored, expected) || this.alive(expected.owner!, at)) return false;
    if (replacement) {
      if (replacement.id !== expected.id) throw new MemoryStoreError(`reapEntry: the replacement of ${expected.id} has id ${replacement.id}`);
      await this.putEntry(replacement);
    } else {
      await this.deleteEntry(expected.id);
    }
    return true;
  }

  async reapAgent(expected: AgentStatus, replacement: AgentStatus, owners: string[], at: number): Promise<boolean> {
    this.checkOpen('reapAgent');
    if (replacement?.id !== expected?.id) throw new MemoryStoreError(`reapAgent: the replacement of ${expected?.id} has id ${replacement?.id}`);
    const stored = this.agents.get(expected.id);
    if (!stored || !sameRecord(stored, expected) || owners.some((o) => this.alive(o, at))) return false;
    await this.putAgent(replacement);
    return true;
  }

  onChange(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Writes the file now if anything is waiting to be written (after a load). */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.writing) await this.writing;
    if (!this.path || !this.armed || !this.changed) return;
    this.changed = false;
    const content = this.serialise();
    const path = this.path;
    this.writing = writeAtomically(path, content, ++this.tmpSeq)
      .catch((err: unknown) => {
        this.changed = true;
        this.onError(new MemoryStoreError(`cannot write ${path}: ${(err as Error).message}`, path));
      })
      .finally(() => {
        this.writing = undefined;
      });
    await this.writing;
  }

  /** Writes what is pending, synchronously; for a process about to exit. */
  flushSync(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (!this.path || !this.armed || !this.changed) return;
    this.changed = false;
    const tmp = `${this.path}.${process.pid}.${++this.tmpSeq}.tmp`;
    mkdirSync(join(this.path, '..'), { recursive: true });
    writeFileSync(tmp, this.serialise());
    renameSync(tmp, this.path);
  }

  /** Writes what is pending and stops; later calls reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    this.listeners.clear();
  }

  private alive(instanceId: string, at: number): boolean {
    return (this.beats.get(instanceId) ?? -Infinity) > at;
  }

  // ---- persistence ----

  private persistSoon(): void {
    if (!this.path) return;
    this.changed = true;
    if (this.armed) this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.debounceMs);
  }

  private serialise(): string {
    const callbacks = [...[...this.entries.values()].filter((e) => e.kind === 'callback'), ...this.duplicates];
    const persisted: Persisted = { version: 1, savedAt: new Date().toISOString(), callbacks, agents: [...this.agents.values()] };
    return JSON.stringify(persisted, null, 1) + '\n';
  }

  /** Merges the file into memory; what was put before the load wins. */
  private restore(persisted: Persisted | undefined): void {
    if (!persisted) return;
    const read = new Set<string>();
    for (const cb of persisted.callbacks) {
      if (read.has(cb.id)) this.duplicates.push(cb);
      else if (!this.entries.has(cb.id)) this.entries.set(cb.id, cb);
      read.add(cb.id);
    }
    for (const a of persisted.agents) if (!this.agents.has(a.id)) this.agents.set(a.id, a);
  }

  private fire(change: StoreChange): void {
    for (const l of this.listeners) {
      try {
        l(copyOfChange(change));
      } catch (err) {
        this.onError(err instanceof Error ? err : new Error(String(err)));
      }
    }
  }

  private checkOpen(op: string): void {
    if (this.closed) throw new MemoryStoreError(`${op}: the memory store is closed`);
  }
}

function checkId(what: string, id: unknown): void {
  if (typeof id !== 'string' || id === '') throw new MemoryStoreError(`${what} must be a non-empty string, got ${JSON.stringify(id)}`);
}

async function writeAtomically(path: string, content: string, seq: number): Promise<void> {
  const tmp = `${path}.${process.pid}.${seq}.tmp`;
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(tmp, content);
  await rename(tmp, path);
}

/** Reads and checks the state file; undefined when there is none yet. */
function readPersisted(path: string): Persisted | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new MemoryStoreError(`cannot read the ACD state file ${path}: ${(err as Error).message}`, path);
  }
  const bad = (problem: string): never => {
    throw new MemoryStoreError(
      `the ACD state file ${path} is corrupt: ${problem} (fix or remove it; it holds the waiting callbacks and agent states)`,
      path,
    );
  };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return bad(`not JSON (${(err as Error).message})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return bad('not a JSON object');
  const d = data as Record<string, unknown>;
  if (d.version !== 1) bad(`version must be 1, got ${JSON.stringify(d.version)}`);
  if (!Array.isArray(d.callbacks)) bad('callbacks must be a list');
  if (!Array.isArray(d.agents)) bad('agents must be a list');
  (d.callbacks as unknown[]).forEach((e, i) => {
    const p = entryProblem(e);
    if (p) bad(`callbacks[${i}]: ${p}`);
  });
  (d.agents as unknown[]).forEach((a, i) => {
    const p = agentProblem(a);
    if (p) bad(`agents[${i}]: ${p}`);
  });
  return d as unknown as Persisted;
}

const isStr = (v: unknown): v is string => typeof v === 'string' && v !== '';
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function entryProblem(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return 'not an object';
  const r = e as Record<string, unknown>;
  if (!isStr(r.id)) return 'id must be a non-empty string';
  if (!isStr(r.queueId)) return 'queueId must be a non-empty string';
  if (r.kind !== 'callback') return "kind must be 'callback'";
  if (!isNum(r.enqueuedAt)) return 'enqueuedAt must be a number';
  if (!isNum(r.priority)) return 'priority must be a number';
  if (typeof r.data !== 'object' || r.data === null || Array.isArray(r.data)) return 'data must be an object';
  for (const [k, v] of Object.entries(r.data)) if (typeof v !== 'string') return `data.${k} must be a string`;
  for (const k of ['offeredAt', 'answeredAt', 'attempts', 'notBefore']) {
    if (r[k] !== undefined && !isNum(r[k])) return `${k} must be a number`;
  }
  if (r.personalAgentId !== undefined && !isStr(r.personalAgentId)) return 'personalAgentId must be a string';
  return undefined;
}

function agentProblem(a: unknown): string | undefined {
  if (typeof a !== 'object' || a === null) return 'not an object';
  const r = a as Record<string, unknown>;
  if (!isStr(r.id)) return 'id must be a non-empty string';
  if (!AGENT_STATES.has(r.state as AgentState)) return `state must be one of ${[...AGENT_STATES].join(', ')}`;
  if (!isNum(r.since)) return 'since must be a number';
  if (!isNum(r.idleSince)) return 'idleSince must be a number';
  if (!isNum(r.missedInRow)) return 'missedInRow must be a number';
  if (r.wrapUpUntil !== undefined && !isNum(r.wrapUpUntil)) return 'wrapUpUntil must be a number';
  if (r.otherCalls !== undefined && !(Array.isArray(r.otherCalls) && r.otherCalls.every(isStr))) return 'otherCalls must be a list of call ids';
  return undefined;
}
