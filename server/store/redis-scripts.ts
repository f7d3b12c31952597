/**
 * The Lua scripts of the Redis store: every write is ONE script (EVALSHA
 * through ioredis defineCommand) that INCRs P seq, appends the message to
 * P log, applies the write and publishes the message, all atomically, so
 * every instance sees every change in one order (./redis-feed.ts). Key
 * layout and message format: ./redis.ts and ./redis-codec.ts.
 *
 * The parts a claim decides (offeredTo/offeredAt, state/since/entryId) live
 * in their own hash fields, so the claim script checks and writes plain
 * strings and never re-encodes the JSON (Lua's cjson would round numbers to
 * 14 digits).
 */

export type ScriptFn = (...args: (string | number)[]) => Promise<unknown>;

/** Shared Lua: take the next seq, log and publish the message; returns the message. */
const LUA_EMIT = `
local function emit(seqKey, logKey, channel, logMax, records)
  local seq = redis.call('INCR', seqKey)
  local msg = cjson.encode({seq, records})
  redis.call('XADD', logKey, 'MAXLEN', '~', logMax, seq .. '-0', 'm', msg)
  redis.call('PUBLISH', channel, msg)
  return msg
end
local function opt(s)
  if s == nil or s == '' then return false end
  return s
end
`;

/** KEYS: entry hash, entry index, seq, log. ARGV: channel, logMax, id, json, offeredTo, offeredAt. */
const LUA_PUT_ENTRY = `${LUA_EMIT}
local offTo, offAt = opt(ARGV[5]), opt(ARGV[6])
local msg = emit(KEYS[3], KEYS[4], ARGV[1], ARGV[2], {{'entry', ARGV[4], offTo, offAt}})
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'json', ARGV[4])
if offTo then redis.call('HSET', KEYS[1], 'offeredTo', offTo) end
if offAt then redis.call('HSET', KEYS[1], 'offeredAt', offAt) end
redis.call('SADD', KEYS[2], ARGV[3])
return msg
`;

/** KEYS: entry hash, entry index, seq, log. ARGV: channel, logMax, id. Returns false when there was nothing to delete. */
const LUA_DELETE_ENTRY = `${LUA_EMIT}
local existed = redis.call('EXISTS', KEYS[1]) == 1
local indexed = redis.call('SISMEMBER', KEYS[2], ARGV[3]) == 1
if not existed and not indexed then return false end
local msg = emit(KEYS[3], KEYS[4], ARGV[1], ARGV[2], {{'entry-deleted', ARGV[3]}})
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[3])
return msg
`;

/** KEYS: agent hash, agent index, seq, log. ARGV: channel, logMax, id, json, state, since, entryId. */
const LUA_PUT_AGENT = `${LUA_EMIT}
local entryId = opt(ARGV[7])
local msg = emit(KEYS[3], KEYS[4], ARGV[1], ARGV[2], {{'agent', ARGV[4], ARGV[5], ARGV[6], entryId}})
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'json', ARGV[4], 'state', ARGV[5], 'since', ARGV[6])
if entryId then redis.call('HSET', KEYS[1], 'entryId', entryId) end
redis.call('SADD', KEYS[2], ARGV[3])
return msg
`;

/**
 * KEYS: entry hash, agent hash, seq, log. ARGV: channel, logMax, entryId, agentId, at, token.
 * Returns {'ok', msg}, {'no', reason} or {'replay', msg} (the same token ran
 * before: ioredis resent the command after a reconnect; nothing is changed).
 */
const LUA_CLAIM = `${LUA_EMIT}
local e = redis.call('HMGET', KEYS[1], 'json', 'offeredTo', 'offeredAt', 'claim')
if not e[1] then return {'no', 'entry-gone'} end
if e[2] then
  if e[4] == ARGV[6] then
    local a = redis.call('HMGET', KEYS[2], 'json', 'state', 'since', 'entryId')
    return {'replay', cjson.encode({0, {{'entry', e[1], e[2], e[3] or false}, {'agent', a[1], a[2], a[3], a[4] or false}}})}
  end
  return {'no', 'entry-offered'}
end
local a = redis.call('HMGET', KEYS[2], 'json', 'state')
if not a[1] then return {'no', 'agent-unknown'} end
if a[2] ~= 'ready' then return {'no', 'agent-not-ready'} end
local msg = emit(KEYS[3], KEYS[4], ARGV[1], ARGV[2],
  {{'entry', e[1], ARGV[4], ARGV[5]}, {'agent', a[1], 'reserved', ARGV[5], ARGV[3]}})
redis.call('HSET', KEYS[1], 'offeredTo', ARGV[4], 'offeredAt', ARGV[5], 'claim', ARGV[6])
redis.call('HSET', KEYS[2], 'state', 'reserved', 'since', ARGV[5], 'entryId', ARGV[3])
return {'ok', msg}
`;

/**
 * KEYS: entry index, agent index, seq. ARGV: prefix.
 * Returns [seq, nEntries, (id, json, offeredTo, offeredAt)*, nAgents, (id, json, state, since, entryId)*].
 * Reads the per-object hashes by name (P entry:<id>), which standalone Redis
 * allows; on a cluster the prefix needs a hash tag, e.g. "{acd}:".
 */
const LUA_LOAD = `
local out = {redis.call('GET', KEYS[3]) or '0'}
local ids = redis.call('SMEMBERS', KEYS[1])
out[#out + 1] = #ids
for _, id in ipairs(ids) do
  local h = redis.call('HMGET', ARGV[1] .. 'entry:' .. id, 'json', 'offeredTo', 'offeredAt')
  out[#out + 1] = id
  out[#out + 1] = h[1]
  out[#out + 1] = h[2]
  out[#out + 1] = h[3]
end
ids = redis.call('SMEMBERS', KEYS[2])
out[#out + 1] = #ids
for _, id in ipairs(ids) do
  local h = redis.call('HMGET', ARGV[1] .. 'agent:' .. id, 'json', 'state', 'since', 'entryId')
  out[#out + 1] = id
  out[#out + 1] = h[1]
  out[#out + 1] = h[2]
  out[#out + 1] = h[3]
  out[#out + 1] = h[4]
end
return out
`;

/**
 * KEYS: entry hash, entry index, seq, log, owner's heartbeat. ARGV: channel,
 * logMax, id, expected json, offeredTo, offeredAt, replacement json ('' =
 * delete), its offeredTo, its offeredAt. Returns the message, or false when
 * the owner is alive or the entry is not as expected.
 */
const LUA_REAP_ENTRY = `${LUA_EMIT}
if redis.call('EXISTS', KEYS[5]) == 1 then return false end
local e = redis.call('HMGET', KEYS[1], 'json', 'offeredTo', 'offeredAt')
if e[1] ~= ARGV[4] or (e[2] or '') ~= ARGV[5] or (e[3] or '') ~= ARGV[6] then return false end
local msg
redis.call('DEL', KEYS[1])
if ARGV[7] == '' then
  msg = emit(KEYS[3], KEYS[4], ARGV[1], ARGV[2], {{'entry-deleted', ARGV[3]}})
  redis.call('SREM', KEYS[2], ARGV[3])
else
  local offTo, offAt = opt(ARGV[8]), opt(ARGV[9])
  msg = emit(KEYS[3], KEYS[4], ARGV[1], ARGV[2], {{'entry', ARGV[7], offTo, offAt}})
  redis.call('HSET', KEYS[1], 'json', ARGV[7])
  if offTo then redis.call('HSET', KEYS[1], 'offeredTo', offTo) end
  if offAt then redis.call('HSET', KEYS[1], 'offeredAt', offAt) end
end
return msg
`;

/**
 * KEYS: agent hash, agent index, seq, log. ARGV: channel, logMax, id,
 * expected json, state, since, entryId, replacement json, state, since,
 * entryId, instance key prefix, then the owners. Returns the message, or
 * false when an owner is alive or the agent is not as expected.
 */
const LUA_REAP_AGENT = `${LUA_EMIT}
for i = 13, #ARGV do
  if redis.call('EXISTS', ARGV[12] .. ARGV[i]) == 1 then return false end
end
local a = redis.call('HMGET', KEYS[1], 'json', 'state', 'since', 'entryId')
if a[1] ~= ARGV[4] or a[2] ~= ARGV[5] or a[3] ~= ARGV[6] or (a[4] or '') ~= ARGV[7] then return false end
local entryId = opt(ARGV[11])
local msg = emit(KEYS[3], KEYS[4], ARGV[1], ARGV[2], {{'agent', ARGV[8], ARGV[9], ARGV[10], entryId}})
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'json', ARGV[8], 'state', ARGV[9], 'since', ARGV[10])
if entryId then redis.call('HSET', KEYS[1], 'entryId', entryId) end
return msg
`;

/** KEYS: instance index. ARGV: instance key prefix. The ids whose key is there; the others leave the index. */
const LUA_LIVE = `
local live = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[1] .. id) == 1 then live[#live + 1] = id
  else redis.call('SREM', KEYS[1], id) end
end
return live
`;

export const SCRIPTS = {
  acdPutEntry: { numberOfKeys: 4, lua: LUA_PUT_ENTRY },
  acdDeleteEntry: { numberOfKeys: 4, lua: LUA_DELETE_ENTRY },
  acdPutAgent: { numberOfKeys: 4, lua: LUA_PUT_AGENT },
  acdClaim: { numberOfKeys: 4, lua: LUA_CLAIM },
  acdLoad: { numberOfKeys: 3, lua: LUA_LOAD },
  acdReapEntry: { numberOfKeys: 5, lua: LUA_REAP_ENTRY },
  acdReapAgent: { numberOfKeys: 4, lua: LUA_REAP_AGENT },
  acdLive: { numberOfKeys: 1, lua: LUA_LIVE },
} as const;
export type ScriptName = keyof typeof SCRIPTS;
