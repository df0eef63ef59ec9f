/**
 * The Lua scripts of the Redis session store. Each touches the keys of one hash slot only (a
 * session's hash, or a user's index), so each runs atomically on a Redis Cluster too. Redis
 * replicates their effects, not the scripts, so `TIME` is safe in them.
 *
 * A session's hash holds its fields under short names (see `redis-session-fields.ts`) and each
 * session key under its JSON-encoded name (starting with `"`), holding the JSON-encoded value, so
 * `z`, the data's serialized size less one byte, is kept up to date by arithmetic alone.
 */

// True when the write arrives after its deadline (epoch ms, '' for none), by the server's clock.
const LATE = `
local function late(deadline)
  if deadline == '' then return false end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) > tonumber(deadline)
end
local function bytes(z) if z == 0 then return 2 end return z + 1 end
local function hset(key, list, from, to)
  for i = from, to, 1000 do
    redis.call('HSET', key, unpack(list, i, math.min(i + 999, to)))
  end
end
`;

/**
 * KEYS: session. ARGV: deadline, maxBytes, z, when Redis deletes it, then field/value pairs.
 * Returns {verdict, bytes}: 'ok', 'late' or 'large'.
 */
export const CREATE_SESSION = `${LATE}
if late(ARGV[1]) then return {'late', 0} end
local size = bytes(tonumber(ARGV[3]))
if ARGV[2] ~= '' and size > tonumber(ARGV[2]) then return {'large', size} end
redis.call('DEL', KEYS[1])
hset(KEYS[1], ARGV, 5, #ARGV)
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
return {'ok', size}`;

/**
 * KEYS: session. ARGV: now, deadline, maxBytes, newIdHash, ifIdHash, keepPreviousFor, idIssuedAt,
 * the count of unset keys, the count of set pairs, the count of field changes (a value of '' removes
 * the field, '=' followed by a value sets it), how long to keep the session once expired, ifVersion
 * ('' for none), and those lists in that order.
 * Returns {verdict, bytes, idHash, movedFrom, forgotten, absoluteExpiresAt, previousUntil, version}:
 * verdict 'ok', 'gone', 'changed' (not at ifVersion), 'late' or 'large'; movedFrom is the hash the
 * session left ('' if it kept its ID), forgotten a previous hash that no longer finds it (''),
 * previousUntil when movedFrom stops finding it, version the session's after the patch.
 */
export const PATCH_SESSION = `${LATE}
if late(ARGV[2]) then return {'late', 0} end
local key = KEYS[1]
local state = redis.call('HMGET', key, 'e', 'z', 'id', 'pid', 'v')
if not state[1] or tonumber(state[1]) <= tonumber(ARGV[1]) then return {'gone', 0} end
if ARGV[12] ~= '' and tonumber(state[5] or '0') ~= tonumber(ARGV[12]) then return {'changed', 0} end
local unsets, sets, fields = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
local firstSet = 13 + unsets
local firstField = firstSet + 2 * sets
local changes, names = {}, {}
for i = 13, firstSet - 1 do
  if changes[ARGV[i]] == nil then names[#names + 1] = ARGV[i] end
  changes[ARGV[i]] = false
end
for i = firstSet, firstField - 1, 2 do
  if changes[ARGV[i]] == nil then names[#names + 1] = ARGV[i] end
  changes[ARGV[i]] = ARGV[i + 1]
end
local z = tonumber(state[2] or '0')
for i = 1, #names, 1000 do
  local chunk = {unpack(names, i, math.min(i + 999, #names))}
  local old = redis.call('HMGET', key, unpack(chunk))
  for j, name in ipairs(chunk) do
    if old[j] then z = z - #name - #old[j] - 2 end
    if changes[name] then z = z + #name + #changes[name] + 2 end
  end
end
local size = bytes(z)
if ARGV[3] ~= '' and size > tonumber(ARGV[3]) then return {'large', size} end
local removed = {}
for _, name in ipairs(names) do
  if not changes[name] then removed[#removed + 1] = name end
end
for i = 1, #removed, 1000 do redis.call('HDEL', key, unpack(removed, i, math.min(i + 999, #removed))) end
if sets > 0 then hset(key, ARGV, firstSet, firstField - 1) end
redis.call('HSET', key, 'z', z)
for i = firstField, #ARGV, 2 do
  if ARGV[i + 1] == '' then redis.call('HDEL', key, ARGV[i])
  else redis.call('HSET', key, ARGV[i], string.sub(ARGV[i + 1], 2)) end
end
local id, movedFrom, forgotten = state[3], '', ''
if ARGV[4] ~= '' and (ARGV[5] == '' or ARGV[5] == id) then
  movedFrom, forgotten = id, state[4] or ''
  redis.call('HSET', key, 'id', ARGV[4], 'i', ARGV[7])
  if ARGV[6] ~= '' then
    redis.call('HSET', key, 'pid', id, 'pexp', tonumber(ARGV[7]) + tonumber(ARGV[6]))
  else
    redis.call('HDEL', key, 'pid', 'pexp')
  end
  id = ARGV[4]
end
local version = redis.call('HINCRBY', key, 'v', 1)
local after = redis.call('HMGET', key, 'e', 'x', 'pexp')
redis.call('PEXPIREAT', key, tonumber(after[1]) + tonumber(ARGV[11]))
return {'ok', size, id, movedFrom, forgotten, after[2], after[3] or '', version}`;

/**
 * KEYS: session. ARGV: 'any'; or 'registration' and the login's registration the session must still
 * have; or 'owner', a user ID and a tenant the session must belong to.
 * Deletes the session and returns {id, pid, u, r, t, c, a, e, ip, ua} (nil for a field it lacks), or
 * nil when there is none such.
 */
export const DESTROY_SESSION = `
local f = redis.call('HMGET', KEYS[1], 'id', 'pid', 'u', 'r', 't', 'c', 'a', 'e', 'ip', 'ua')
if not f[1] then return nil end
if ARGV[1] == 'registration' and f[4] ~= ARGV[2] then return nil end
if ARGV[1] == 'owner' and (f[3] ~= ARGV[2] or f[5] ~= ARGV[3]) then return nil end
redis.call('DEL', KEYS[1])
return f`;

/**
 * KEYS: a user's index. ARGV: the new entry, its pending-until time (the write's deadline), the
 * time the index must last until (the session's absolute expiry), max ('' for no limit), tenant,
 * handle. Adds the entry and returns 'ok'; under a limit, when entries name max or more other
 * sessions of the user in the tenant, adds nothing and returns those entries with their scores.
 */
export const REGISTER_USER_SESSION = `
if ARGV[4] ~= '' then
  local others, sessions, count = {}, {}, 0
  local all = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
  for i = 1, #all, 2 do
    local ok, e = pcall(cjson.decode, all[i])
    if ok and type(e) == 'table' and e[1] == ARGV[5] and e[2] ~= ARGV[6] then
      others[#others + 1] = all[i]
      others[#others + 1] = all[i + 1]
      if not sessions[e[2]] then sessions[e[2]] = true; count = count + 1 end
    end
  end
  if count >= tonumber(ARGV[4]) then return others end
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
local expires = redis.call('PEXPIRETIME', KEYS[1])
if expires < tonumber(ARGV[3]) then redis.call('PEXPIREAT', KEYS[1], ARGV[3]) end
return 'ok'`;

/** KEYS: a user's index. ARGV: a time its entries must reach (a session's new absolute expiry). */
export const EXTEND_USER_INDEX = `
local expires = redis.call('PEXPIRETIME', KEYS[1])
if expires >= 0 and expires < tonumber(ARGV[1]) then redis.call('PEXPIREAT', KEYS[1], ARGV[1]) end
return expires`;

/**
 * KEYS: an ID pointer. ARGV: the key prefix. The session the pointer names, as HGETALL gives it
 * (field, value, ...) after its handle; nil when there is none. One round trip for a lookup, on a
 * standalone server only: the session's key is not declared (it lies in another slot on a cluster).
 */
export const GET_SESSION = `
local handle = redis.call('GET', KEYS[1])
if not handle then return nil end
local hash = redis.call('HGETALL', ARGV[1] .. '{' .. handle .. '}')
table.insert(hash, 1, handle)
return hash`;
