-- Attach a task to the follower record of a Basiq job (see follow.go).
-- KEYS[1] record of job J, KEYS[2] waiters of J, then pairs (record, waiters)
-- of the jobs the task's chain followed before J.
-- ARGV[1] task id, ARGV[2] the task's waiter JSON, ARGV[3] its deadline (unix ms),
-- ARGV[4] ttl ms, ARGV[5] J.
-- Returns {'done', outcome, owner, waiters of the earlier jobs...}, {'moved', job id},
-- or {'owner'|'waiter', deadline ms}.
local function expire()
  for i = 1, #KEYS do redis.call('PEXPIRE', KEYS[i], ARGV[4]) end
end
local done = redis.call('HGET', KEYS[1], 'done')
if done then
  local out = {'done', done, redis.call('HGET', KEYS[1], 'owner') or ''}
  for i = 3, #KEYS, 2 do
    redis.call('HSETNX', KEYS[i], 'done', done)
    local w = redis.call('HGETALL', KEYS[i + 1])
    for j = 1, #w do out[#out + 1] = w[j] end
  end
  expire()
  return out
end
local moved = redis.call('HGET', KEYS[1], 'moved')
if moved then
  return {'moved', moved}
end
local dl = tonumber(redis.call('HGET', KEYS[1], 'deadline') or '0')
if tonumber(ARGV[3]) > dl then
  dl = tonumber(ARGV[3])
  redis.call('HSET', KEYS[1], 'deadline', ARGV[3])
end
local owner = redis.call('HGET', KEYS[1], 'owner')
local role = 'owner'
if not owner then
  redis.call('HSET', KEYS[1], 'owner', ARGV[1])
elseif owner ~= ARGV[1] then
  role = 'waiter'
  redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2])
  -- The task's chain ends here: the waiters of its earlier jobs wait on J.
  for i = 3, #KEYS, 2 do
    local w = redis.call('HGETALL', KEYS[i + 1])
    for j = 1, #w, 2 do redis.call('HSETNX', KEYS[2], w[j], w[j + 1]) end
    redis.call('HSET', KEYS[i], 'moved', ARGV[5])
  end
end
expire()
return {role, tostring(dl)}
