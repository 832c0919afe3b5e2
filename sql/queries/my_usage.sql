-- "Penggunaan saya": one employee's own usage, from the rollups (days, categories, hosts) and, for the
-- blocked attempts, from the raw events. Days are local days (SMEDI_TZ).

-- name: own_by_day
-- The employee's totals per local day. $1 employee id, $2 first day, $3 last day (dates, both included).
SELECT day, sum(requests)::bigint AS requests, sum(blocked)::bigint AS blocked,
       sum(bytes_up)::bigint AS bytes_up, sum(bytes_down)::bigint AS bytes_down
  FROM usage_daily_totals
 WHERE employee_id = $1 AND day BETWEEN $2 AND $3
 GROUP BY day
 ORDER BY day;

-- name: own_by_category
-- The employee's totals per category, the largest first. $1 employee id, $2 first day, $3 last day
-- (dates, both included). Traffic in no category has category ''.
SELECT u.category, coalesce(c.name_id, '') AS name_id, coalesce(c.name_en, '') AS name_en,
       sum(u.requests)::bigint AS requests, sum(u.blocked)::bigint AS blocked,
       sum(u.bytes_up)::bigint AS bytes_up, sum(u.bytes_down)::bigint AS bytes_down
  FROM usage_daily_totals u
  LEFT JOIN categories c ON c.slug = u.category
 WHERE u.employee_id = $1 AND u.day BETWEEN $2 AND $3
 GROUP BY u.category, c.name_id, c.name_en
 ORDER BY sum(u.bytes_up + u.bytes_down) DESC, u.category;

-- name: own_top_hosts
-- The hosts the employee used most (bytes up and down), from the hourly rollup. $1 employee id, $2 start,
-- $3 end (timestamptz: where the first local day starts and the last ends), $4 how many.
SELECT host, sum(requests)::bigint AS requests, sum(blocked)::bigint AS blocked,
       sum(bytes_up)::bigint AS bytes_up, sum(bytes_down)::bigint AS bytes_down
  FROM usage_hourly
 WHERE employee_id = $1 AND hour >= $2 AND hour < $3
 GROUP BY host
 ORDER BY sum(bytes_up + bytes_down) DESC, host
 LIMIT $4;

-- name: own_blocked
-- The employee's latest refused requests (blocked, or refused for a used-up quota), newest first.
-- $1 employee id, $2 since (timestamptz), $3 how many.
SELECT ts, host, category, decision, rule, reference
  FROM usage_events
 WHERE employee_id = $1 AND ts >= $2 AND kind = 'request' AND decision IN ('block', 'quota')
 ORDER BY ts DESC
 LIMIT $3;
