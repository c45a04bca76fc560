-- Claim the followed jobs that are due (see followed.go).
-- KEYS[1] followed ZSET (score: due, or lease end, unix ms), KEYS[2] state hash.
-- ARGV[1] now ms, ARGV[2] lease ms, ARGV[3] most jobs to claim.
-- Each claimed job is re-scored to now+lease (its lease: a process that dies
-- holding it lets it come due again then) and returned with its state.
-- Returns {lease end ms, next score ('' when the set is empty), the earliest
-- claimed job's due score ('' when none), member, state, ...}.
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, ARGV[3])
local ids = {}
for i = 1, #due, 2 do ids[#ids + 1] = due[i] end
local til = tonumber(ARGV[1]) + tonumber(ARGV[2])
local out = {tostring(til), '', due[2] or ''}
if #ids > 0 then
  local z = {}
  for i = 1, #ids do
    z[2 * i - 1] = til
    z[2 * i] = ids[i]
  end
  redis.call('ZADD', KEYS[1], unpack(z))
  local st = redis.call('HMGET', KEYS[2], unpack(ids))
  for i = 1, #ids do
    out[#out + 1] = ids[i]
    out[#out + 1] = st[i] or ''
  end
end
local nxt = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if nxt[2] then out[2] = nxt[2] end
return out
