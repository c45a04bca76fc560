-- Attach a task to the follower record of a Basiq job (see follow.go).
-- KEYS[1] record of job J, KEYS[2] waiters of J, then pairs (record, waiters)
-- of the jobs the task's chain followed before J.
-- ARGV[1] task id, ARGV[2] the task's waiter JSON, ARGV[3] its deadline (unix ms),
-- ARGV[4] ttl ms, ARGV[5] J.
-- Returns {'done', outcome, owner, waiters of the earlier jobs...}, {'moved', job id},
-- or {'owner'|'waiter', deadline ms}.
-- A first owner costs three commands: HMGET, HSET, PEXPIRE (attachFirst in
-- follow.go takes a first owner in two, without this script).
local rec = redis.call('HMGET', KEYS[1], 'done', 'moved', 'deadline', 'owner')
local done, moved, owner = rec[1], rec[2], rec[4]
if done then
  local out = {'done', done, owner or ''}
  for i = 3, #KEYS, 2 do
    redis.call('HSETNX', KEYS[i], 'done', done)
    local w = redis.call('HGETALL', KEYS[i + 1])
    for j = 1, #w do out[#out + 1] = w[j] end
    redis.call('PEXPIRE', KEYS[i], ARGV[4])
    redis.call('PEXPIRE', KEYS[i + 1], ARGV[4])
  end
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  return out
end
if moved then
  return {'moved', moved}
end
local dl = tonumber(rec[3] or '0')
local set = {}
if tonumber(ARGV[3]) > dl then
  dl = tonumber(ARGV[3])
  set[#set + 1] = 'deadline'
  set[#set + 1] = ARGV[3]
end
local role = 'owner'
if not owner then
  set[#set + 1] = 'owner'
  set[#set + 1] = ARGV[1]
elseif owner ~= ARGV[1] then
  role = 'waiter'
  redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2])
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
  -- The task's chain ends here: the waiters of its earlier jobs wait on J.
  for i = 3, #KEYS, 2 do
    local w = redis.call('HGETALL', KEYS[i + 1])
    for j = 1, #w, 2 do redis.call('HSETNX', KEYS[2], w[j], w[j + 1]) end
    redis.call('HSET', KEYS[i], 'moved', ARGV[5])
    redis.call('PEXPIRE', KEYS[i], ARGV[4])
  end
end
if #set > 0 then redis.call('HSET', KEYS[1], unpack(set)) end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {role, tostring(dl)}
