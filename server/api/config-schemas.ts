/**
 * The running configuration's resources as the API shows and takes them:
 * one TypeBox schema per resource, mirroring config/schema.ts field for
 * field. They say the shape (which fields, their types, the enums), so a
 * wrong type is a 400 naming the body field; what a valid value is (ranges,
 * patterns, unique ids, references between resources) the running
 * configuration's whole check decides (server/running), a 422 naming the
 * place in the configuration.
 *
 * Secrets go in and never come out: an extension shows whether it has a
 * password, an operator whether they have a PIN.
 */
import { Type, type Static } from 'typebox';
import { ANSWER_ON, PRIORITY_RULES } from '../../config/schema.js';

const Text = Type.String();
const Seconds = Type.Integer();
const Level = Type.Integer({ description: 'skill level 1..5' });

export const NumberSchema = Type.Object({
  number: Type.String({ description: 'E.164, e.g. +46313900601' }),
  service: Text,
  queue: Type.Optional(Type.String({ description: "the queue the service's calls wait in" })),
  target: Type.Optional(Type.String({ description: 'direct dial: the extension this number rings instead of a flow' })),
  greeting: Type.Optional(Type.Boolean({ description: 'with target: greet the caller before ringing it' })),
  personalAgent: Type.Optional(Type.String({ description: "an agent's extension: calls wait in that agent's personal queue" })),
}, { additionalProperties: false, title: 'Number' });

export const ServiceSchema = Type.Object({
  service: Text,
  queue: Type.Optional(Type.String()),
  numbers: Type.Array(Type.Object({
    number: Type.String(),
    flow: Type.Optional(Type.String({ description: 'the IVR flow a call to this number runs' })),
    target: Type.Optional(Type.String({ description: 'the extension the number rings directly' })),
  })),
}, { title: 'Service' });
export type Service = Static<typeof ServiceSchema>;

export const QueueStepSchema = Type.Object({
  afterSeconds: Seconds,
  skill: Type.Optional(Text),
  minLevel: Type.Optional(Level),
  group: Type.Optional(Text),
  everyone: Type.Optional(Type.Literal(true)),
}, { additionalProperties: false, title: 'QueueStep', description: 'exactly one of skill (with an optional minLevel), group, everyone' });

export const CaseTypeSchema = Type.Object({
  code: Type.String({ description: '1 to 4 digits, unique in the queue: what the agent keys after the case type feature code' }),
  name: Text,
}, { additionalProperties: false, title: 'CaseType' });

const queueFields = {
  name: Text,
  steps: Type.Array(QueueStepSchema, { description: 'who may answer as the wait grows: the first at 0, then widening' }),
  priority: Type.Optional(Type.Enum([...PRIORITY_RULES])),
  headStartSecondsPerPoint: Type.Optional(Seconds),
  wrapUpSeconds: Type.Optional(Seconds),
  ringTimeoutSeconds: Type.Optional(Seconds),
  maxMissedOffers: Type.Optional(Type.Integer()),
  personalOverflowSeconds: Type.Optional(Seconds),
  announceEverySeconds: Type.Optional(Type.Integer({ description: 'position and wait spoken every this many seconds (0: on entry only)' })),
  targetSeconds: Type.Optional(Type.Integer({ description: "the service level's target, 1 to 3600: answered within this many seconds counts as in time" })),
  serviceLevelGoal: Type.Optional(Type.Number({ description: 'the share answered within targetSeconds that staffing plans for, 0.5 to 0.99 (0.85: 85 %)' })),
  callbackRetrySeconds: Type.Optional(Seconds),
  callbackMaxAttempts: Type.Optional(Type.Integer()),
  callbackRingSeconds: Type.Optional(Seconds),
  caseTypes: Type.Optional(Type.Array(CaseTypeSchema, { description: 'the case types an agent may give a call of this queue at wrap-up (by phone or the API)' })),
};

/** A queue as read and created; the settings left out take the configuration's defaults. */
export const QueueSchema = Type.Object({ id: Type.String({ description: 'lower-case id the flows name' }), ...queueFields },
  { additionalProperties: false, title: 'Queue' });
/** A queue's settings as replaced by PUT: everything but its id. */
export const QueueSettingsSchema = Type.Object(queueFields, { additionalProperties: false, title: 'QueueSettings' });

const Skills = Type.Record(Type.String(), Level, { description: 'skill name -> level 1..5' });
const Groups = Type.Array(Text);
const Queues = Type.Array(Text, { description: 'the queue ids the agent answers' });

/** An agent's profile on their extension; left out: no skills, no groups, answering on the phone. */
export const AgentSchema = Type.Object({
  skills: Type.Optional(Skills),
  groups: Type.Optional(Groups),
  queues: Queues,
  answerOn: Type.Optional(Type.Enum([...ANSWER_ON], { description: 'phone: every phone registered for the extension; mobile: the mobile through the trunk' })),
}, { additionalProperties: false, title: 'Agent' });

/** What supervisors may change of an agent: who they are staffed for. Fields left out stay. */
export const StaffingSchema = Type.Object({
  skills: Type.Optional(Skills),
  groups: Type.Optional(Groups),
  queues: Type.Optional(Queues),
}, { additionalProperties: false, title: 'Staffing' });

const extensionSettings = {
  name: Text,
  mobile: Type.Optional(Type.String({ description: 'E.164 mobile number' })),
  operator: Type.Optional(Type.Boolean()),
  agent: Type.Optional(AgentSchema),
};

export const ExtensionSchema = Type.Object({
  extension: Type.String({ description: '2 to 6 digits' }),
  ...extensionSettings,
  passwordSet: Type.Boolean({ description: 'whether the extension has a SIP password; the password itself is never shown' }),
}, { title: 'Extension' });

export const NewExtensionSchema = Type.Object({
  extension: Type.String(),
  ...extensionSettings,
  password: Type.String({ format: 'password' }),
}, { additionalProperties: false, title: 'NewExtension' });

/** An extension's settings as replaced by PUT: everything but its number and password. */
export const ExtensionSettingsSchema = Type.Object(extensionSettings, { additionalProperties: false, title: 'ExtensionSettings' });

export const PasswordBody = Type.Object({ password: Type.String({ format: 'password' }) }, { additionalProperties: false });

export const OperatorSchema = Type.Object({
  name: Text,
  extensions: Type.Array(Type.String()),
  pinSet: Type.Boolean({ description: 'whether the operator has a PIN; the PIN itself is never shown' }),
}, { title: 'Operator' });

export const NewOperatorSchema = Type.Object({
  name: Text,
  pin: Type.String({ format: 'password', description: '6 to 12 digits' }),
  extensions: Type.Optional(Type.Array(Type.String())),
}, { additionalProperties: false, title: 'NewOperator' });

/** An operator's settings as replaced by PUT; the PIN left out stays as it is. */
export const OperatorSettingsSchema = Type.Object({
  extensions: Type.Array(Type.String()),
  pin: Type.Optional(Type.String({ format: 'password' })),
}, { additionalProperties: false, title: 'OperatorSettings' });

export const AuditRecordSchema = Type.Object({
  version: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  actor: Type.String({ description: 'who changed it: a user, token:<name> for an API token, or seed' }),
  summary: Type.String(),
  changes: Type.Array(Type.Object({
    path: Type.String({ description: 'e.g. queues.kundtjanst, extensions.1001, flows.vaxel' }),
    before: Type.Optional(Type.Unknown()),
    after: Type.Optional(Type.Unknown()),
  }), { description: 'passwords and PINs are masked, saying only whether they changed' }),
}, { title: 'AuditRecord' });
