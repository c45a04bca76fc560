-- Settle the outcome of a Basiq job followed by a chain (see follow.go).
-- KEYS: pairs (record, waiters) of the job and of the jobs the chain followed before it.
-- ARGV[1] outcome JSON, ARGV[2] ttl ms.
-- The first outcome stored wins. Returns {outcome, waiter task id, waiter JSON, ...}.
local done = redis.call('HGET', KEYS[1], 'done') or ARGV[1]
local out = {done}
for i = 1, #KEYS, 2 do
  redis.call('HSETNX', KEYS[i], 'done', done)
  local w = redis.call('HGETALL', KEYS[i + 1])
  for j = 1, #w do out[#out + 1] = w[j] end
  redis.call('PEXPIRE', KEYS[i], ARGV[2])
  redis.call('PEXPIRE', KEYS[i + 1], ARGV[2])
end
return out
