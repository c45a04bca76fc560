-- Write back what the looks at claimed jobs decided (see followed.go), in one call.
-- KEYS[1] followed ZSET, KEYS[2] state hash, KEYS[3] progress hash (task id -> event).
-- ARGV[1] n, ARGV[2] the live channel, then n sextuples (member, lease end ms
-- it was claimed with, next due ms or '' to stop following it, new state or
-- '' to keep it, the chain's task id, the look's progress event or '').
-- An update is applied only while the member still holds the lease it was
-- claimed with: a process whose lease ran out (it was slow, another one took
-- the job) writes nothing.
-- Each inner command runs once for the whole batch: one ZMSCORE, one HSET
-- of the states, one ZADD of the due times, one HSET and one PUBLISH of the
-- progress events (an array when there are several), and for the jobs no
-- longer followed one HDEL and one ZREM, and one HDEL of their tasks' progress.
-- Returns the number of updates refused so.
local n = tonumber(ARGV[1])
if n == 0 then return 0 end
local m = {}
for i = 1, n do m[i] = ARGV[6 * i - 3] end
local scores = redis.call('ZMSCORE', KEYS[1], unpack(m))
local z, h, gone, ph, evs, done, stale = {}, {}, {}, {}, {}, {}, 0
for i = 1, n do
  local b = 6 * i - 3
  local tok, due, st, task, ev = ARGV[b + 1], ARGV[b + 2], ARGV[b + 3], ARGV[b + 4], ARGV[b + 5]
  if scores[i] and tonumber(scores[i]) == tonumber(tok) then
    if ev ~= '' then
      ph[#ph + 1] = task
      ph[#ph + 1] = ev
      evs[#evs + 1] = ev
    end
    if due == '' then
      gone[#gone + 1] = m[i]
      if task ~= '' then done[#done + 1] = task end
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
if #ph > 0 then redis.call('HSET', KEYS[3], unpack(ph)) end
if #gone > 0 then
  redis.call('HDEL', KEYS[2], unpack(gone))
  redis.call('ZREM', KEYS[1], unpack(gone))
end
if #done > 0 then redis.call('HDEL', KEYS[3], unpack(done)) end
if #evs == 1 then
  redis.call('PUBLISH', ARGV[2], evs[1])
elseif #evs > 1 then
  redis.call('PUBLISH', ARGV[2], '[' .. table.concat(evs, ',') .. ']')
end
return stale
