-- One atomic rate-limit decision on Redis's own clock.
-- KEYS[1]  the counter
-- ARGV[1]  operation: 1 take, 2 refund
-- ARGV[2]  algorithm: 0 fixed window, 1 GCRA
-- ARGV[3]  limit
-- ARGV[4]  period in microseconds: the window (fixed) or emission interval (GCRA)
-- ARGV[5]  cost
-- ARGV[6]  refund of a fixed window: the end of the window the units were taken in
-- Reply: {allowed, remaining, reset_us, retry_after_us, window_end_us}
--
-- Times are microseconds since the epoch (about 1.8e15, exact in a double).
-- Numbers are written with %.0f: Lua's own conversion keeps 14 digits only.
if redis.replicate_commands then redis.replicate_commands() end -- Redis < 5: TIME before writes
local function str(x) return string.format('%.0f', x) end

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local key = KEYS[1]
local op, alg = tonumber(ARGV[1]), tonumber(ARGV[2])
local limit, period, cost = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])

if alg == 0 then
  local v = redis.call('HMGET', key, 'n', 'e')
  local n, e = tonumber(v[1]), tonumber(v[2])
  if op == 2 then
    -- Only the window that counted the units gets them back.
    if n and e and e == tonumber(ARGV[6]) and now < e then
      n = n - cost
      if n < 0 then n = 0 end
      redis.call('HSET', key, 'n', str(n))
    end
    return {1, 0, 0, 0, 0}
  end
  local fresh = false
  if not n or not e or now >= e then
    n, e, fresh = 0, now + period, true
  end
  if n + cost > limit then
    return {0, limit - n, e - now, e - now, e}
  end
  n = n + cost
  redis.call('HSET', key, 'n', str(n), 'e', str(e))
  if fresh then redis.call('PEXPIREAT', key, str(math.ceil(e / 1000))) end
  return {1, limit - n, e - now, 0, e}
end

-- GCRA: the key holds the theoretical arrival time.
local tat = tonumber(redis.call('GET', key))
if op == 2 then
  if tat and tat > now then
    tat = tat - cost * period
    if tat <= now then
      redis.call('DEL', key)
    else
      redis.call('SET', key, str(tat), 'PX', str(math.ceil((tat - now) / 1000)))
    end
  end
  return {1, 0, 0, 0, 0}
end
if not tat or tat < now then tat = now end
local tau = period * limit
local nxt = tat + cost * period
if nxt - now > tau then
  return {0, math.floor((tau - (tat - now)) / period), tat - now, nxt - now - tau, 0}
end
redis.call('SET', key, str(nxt), 'PX', str(math.ceil((nxt - now) / 1000)))
return {1, math.floor((tau - (nxt - now)) / period), nxt - now, 0, 0}
