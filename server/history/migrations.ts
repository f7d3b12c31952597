/**
 * The history's schema, one numbered migration at a time. The SQL is the
 * common ground of SQLite and PostgreSQL (TEXT, INTEGER, BIGINT, composite
 * primary keys, ON CONFLICT upserts), so both databases hold the same tables
 * and the reports run unchanged on either. Times are milliseconds since the
 * epoch (BIGINT) and durations milliseconds, so an interval is plain
 * arithmetic: `enqueued_at - enqueued_at % 900000` is the start of its
 * 15-minute interval. Flags are 0/1 integers, so SUM counts them.
 *
 * A migration, once released, never changes: a new one follows it.
 */
export interface Migration {
  version: number;
  name: string;
  statements: readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'contacts, segments, offers, callback attempts, transfers, flow steps, agent states',
    statements: [
      `CREATE TABLE contacts (
        id TEXT PRIMARY KEY,
        started_at BIGINT,
        ended_at BIGINT,
        caller TEXT,
        dialled TEXT,
        service TEXT,
        flow TEXT,
        flow_end TEXT,
        avalanche_messages TEXT,
        avalanche_at BIGINT,
        deflected INTEGER,
        ended_by TEXT,
        case_type TEXT,
        case_type_by TEXT
      )`,
      'CREATE INDEX contacts_started_at ON contacts (started_at)',
      `CREATE TABLE segments (
        id TEXT PRIMARY KEY,
        contact_id TEXT,
        queue TEXT,
        kind TEXT,
        priority INTEGER,
        vip INTEGER,
        enqueued_at BIGINT,
        outcome TEXT,
        answered_at BIGINT,
        agent TEXT,
        wait_ms BIGINT,
        talk_ms BIGINT,
        hold_ms BIGINT,
        wrap_up_ms BIGINT,
        ended_at BIGINT,
        callback_requested_at BIGINT,
        callback_outcome TEXT,
        callback_done_at BIGINT,
        callback_attempts INTEGER
      )`,
      'CREATE INDEX segments_enqueued_at ON segments (enqueued_at)',
      'CREATE INDEX segments_contact_id ON segments (contact_id)',
      `CREATE TABLE contact_steps (
        contact_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        at BIGINT NOT NULL,
        node TEXT NOT NULL,
        node_type TEXT NOT NULL,
        PRIMARY KEY (contact_id, seq)
      )`,
      `CREATE TABLE offers (
        entry_id TEXT NOT NULL,
        agent TEXT NOT NULL,
        offered_at BIGINT NOT NULL,
        contact_id TEXT,
        result TEXT,
        ring_ms BIGINT,
        PRIMARY KEY (entry_id, agent, offered_at)
      )`,
      'CREATE INDEX offers_offered_at ON offers (offered_at)',
      `CREATE TABLE callback_attempts (
        entry_id TEXT NOT NULL,
        at BIGINT NOT NULL,
        agent TEXT,
        outcome TEXT,
        status INTEGER,
        PRIMARY KEY (entry_id, at)
      )`,
      `CREATE TABLE transfers (
        contact_id TEXT NOT NULL,
        at BIGINT NOT NULL,
        node TEXT NOT NULL,
        target TEXT NOT NULL,
        outcome TEXT NOT NULL,
        PRIMARY KEY (contact_id, at, target)
      )`,
      `CREATE TABLE agent_states (
        agent TEXT NOT NULL,
        started_at BIGINT NOT NULL,
        state TEXT NOT NULL,
        reason TEXT,
        ended_at BIGINT,
        PRIMARY KEY (agent, started_at)
      )`,
      'CREATE INDEX agent_states_started_at ON agent_states (started_at)',
    ],
  },
  {
    version: 2,
    name: "the agent's note at wrap-up",
    statements: ['ALTER TABLE contacts ADD COLUMN wrap_up_note TEXT'],
  },
  {
    version: 3,
    name: 'indexes for the reports: connected transfers by time, deflected contacts by start',
    statements: [
      'CREATE INDEX transfers_at ON transfers (at)',
      // Few contacts are deflected: the report reads just those.
      'CREATE INDEX contacts_deflected_started_at ON contacts (started_at) WHERE deflected = 1',
    ],
  },
];

/** The table that records which migrations a database has had. */
export const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at BIGINT NOT NULL
)`;

/** The migrations a database that has had `applied` still needs, in order. */
export function pendingMigrations(all: readonly Migration[], applied: Iterable<number>): Migration[] {
  const done = new Set(applied);
  return all.filter((m) => !done.has(m.version));
}

/** The one line start-up stops with when a migration fails (nothing of it was applied). */
export function migrationFailed(where: string, m: Migration, err: unknown): string {
  return `history database (${where}): migration ${m.version} (${m.name}) failed, nothing of it was applied: ${(err as Error).message}`;
}
