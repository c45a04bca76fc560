-- Settle the outcome of a Basiq job followed by a chain (see follow.go).
-- KEYS: pairs (record, waiters) of the job and of the jobs the chain followed before it.
-- ARGV[1] outcome JSON, ARGV[2] ttl ms.
-- The first outcome stored wins. Returns {outcome, waiter task id, waiter JSON, ...}.
-- A job without waiters costs three commands: HSETNX, HGETALL, PEXPIRE.
local done = ARGV[1]
if redis.call('HSETNX', KEYS[1], 'done', done) == 0 then
  done = redis.call('HGET', KEYS[1], 'done')
end
local out = {done}
for i = 1, #KEYS, 2 do
  if i > 1 then redis.call('HSETNX', KEYS[i], 'done', done) end
  local w = redis.call('HGETALL', KEYS[i + 1])
  for j = 1, #w do out[#out + 1] = w[j] end
  redis.call('PEXPIRE', KEYS[i], ARGV[2])
  if #w > 0 then redis.call('PEXPIRE', KEYS[i + 1], ARGV[2]) end
end
return out
