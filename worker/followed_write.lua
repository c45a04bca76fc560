-- Write back what the looks at claimed jobs decided (see followed.go), in one call.
-- KEYS[1] followed ZSET, KEYS[2] state hash.
-- ARGV[1] n, then n quadruples (member, lease end ms it was claimed with,
-- next due ms or '' to stop following it, new state or '' to keep it).
-- An update is applied only while the member still holds the lease it was
-- claimed with: a process whose lease ran out (it was slow, another one took
-- the job) writes nothing.
-- Returns the number of updates refused so.
local n = tonumber(ARGV[1])
if n == 0 then return 0 end
local m = {}
for i = 1, n do m[i] = ARGV[4 * i - 2] end
local scores = redis.call('ZMSCORE', KEYS[1], unpack(m))
local z, h, gone, stale = {}, {}, {}, 0
for i = 1, n do
  local tok, due, st = ARGV[4 * i - 1], ARGV[4 * i], ARGV[4 * i + 1]
  if scores[i] and tonumber(scores[i]) == tonumber(tok) then
    if due == '' then
      gone[#gone + 1] = m[i]
    else
      z[#z + 1] = due
      z[#z + 1] = m[i]
      if st ~= '' then
        h[#h + 1] = m[i]
        h[#h + 1] = st
      end
    end
  else
    stale = stale + 1
  end
end
if #h > 0 then redis.call('HSET', KEYS[2], unpack(h)) end
if #z > 0 then redis.call('ZADD', KEYS[1], unpack(z)) end
if #gone > 0 then
  redis.call('HDEL', KEYS[2], unpack(gone))
  redis.call('ZREM', KEYS[1], unpack(gone))
end
return stale
