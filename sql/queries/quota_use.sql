-- What the proxy reads to follow quota use across proxy processes.

-- name: quotas
-- Every quota, for the proxy's in-memory check. No parameters.
SELECT id, scope, period, limit_bytes, employee_id, org_unit_id, category, note FROM quotas ORDER BY id;

-- name: org_paths
-- Every OPD with the ids from the top of the hierarchy down to it (an OPD's quota covers its sub-units).
-- No parameters.
WITH RECURSIVE paths AS (
    SELECT id, ARRAY[id] AS path FROM org_units WHERE parent_id IS NULL
    UNION ALL
    SELECT o.id, p.path || o.id FROM org_units o JOIN paths p ON o.parent_id = p.id
)
SELECT id, path FROM paths;

-- name: totals_since
-- What quotas count, for the proxies' quota view: rows changed after $2 (timestamptz) for days from
-- $1 (date); each row's updated_at sets where the next call starts (less a margin for transactions
-- that committed late).
SELECT day, employee_id, org_unit_id, category, bytes_up + bytes_down AS bytes, updated_at
  FROM usage_daily_totals
 WHERE day >= $1 AND updated_at > $2;

-- name: claim_notice
-- The 80 % notice for one employee, quota and period: true the first time, NULL after, whichever proxy
-- showed it. $1 quota id, $2 employee id, $3 period start (local date).
INSERT INTO quota_notices (quota_id, employee_id, period_start) VALUES ($1, $2, $3)
ON CONFLICT DO NOTHING RETURNING true;
