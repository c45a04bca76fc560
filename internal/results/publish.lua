-- KEYS[1] published marker, KEYS[2] results stream, KEYS[3] result key
-- ARGV[1] dedupe ttl ms, ARGV[2] stream maxlen, ARGV[3] event json,
-- ARGV[4] result json ("" for non-result events), ARGV[5] result ttl ms, ARGV[6] live channel
local ok
if tonumber(ARGV[1]) > 0 then
  ok = redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1])
else
  ok = redis.call('SET', KEYS[1], '1', 'NX')
end
if not ok then
  return 0
end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'event', ARGV[3])
if ARGV[4] ~= '' then
  if tonumber(ARGV[5]) > 0 then
    redis.call('SET', KEYS[3], ARGV[4], 'PX', ARGV[5])
  else
    redis.call('SET', KEYS[3], ARGV[4])
  end
end
redis.call('PUBLISH', ARGV[6], ARGV[3])
return 1
