--[[
  Asks for a callback once, at most one open per number, and within the line's limit an hour.
  The callback is a hash: `record`, the JSON as asked; `status`, `claimedBy`, `closedAt`; `hold:<attempt>` for each
  attempt that holds it, `gone:<attempt>` for each withdrawn; with a time to live.

  Input:
    KEYS[1] the callback
    KEYS[2] the open list (a sorted set, score = time asked)
    KEYS[3] the id of the callback last asked for the number
    KEYS[4] the count of callbacks asked this hour
    ARGV[1] its id
    ARGV[2] the JSON
    ARGV[3] when it was asked, epoch ms
    ARGV[4] its time to live, seconds
    ARGV[5] the attempt
    ARGV[6] the limit an hour, or '' for none (then KEYS[3] and KEYS[4] are not used)

  Output:
    'kept'     asked now
    'already'  a callback with this id exists (this attempt holds it too), or this attempt was withdrawn before its
               ask arrived (nothing changes)
    'open'     the number's last callback is still on the open list, open or claimed (nothing changes)
    'limit'    the hour's count is at the limit (nothing changes)
]]
if redis.call('HEXISTS', KEYS[1], 'gone:' .. ARGV[5]) == 1 then return 'already' end
local status = redis.call('HGET', KEYS[1], 'status')
if status and status ~= 'withdrawn' then
  redis.call('HSET', KEYS[1], 'hold:' .. ARGV[5], '1')
  return 'already'
end
local limited = ARGV[6] ~= ''
if limited then
  local other = redis.call('GET', KEYS[3])
  if other and redis.call('ZSCORE', KEYS[2], other) then return 'open' end
  if tonumber(redis.call('GET', KEYS[4]) or '0') >= tonumber(ARGV[6]) then return 'limit' end
end
redis.call('HSET', KEYS[1], 'record', ARGV[2], 'status', 'open', 'hold:' .. ARGV[5], '1')
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
-- The list lives as long as its newest callback could: nothing is kept without a time to live.
redis.call('EXPIRE', KEYS[2], ARGV[4])
if limited then
  redis.call('SET', KEYS[3], ARGV[1], 'EX', ARGV[4])
  redis.call('INCR', KEYS[4])
  redis.call('EXPIRE', KEYS[4], 7200)
end
return 'kept'
