-- Periodic usage reports (accounting/usage_report.py) for one employee, one OPD with the OPDs below it, or
-- the whole city, over local days (SMEDI_TZ). Only the rollups are read, never usage_events.
-- The subject is given the same way to every block: $3 an employee id or NULL, $4 the OPD ids (the OPD
-- at the time of use) or NULL; both NULL is the whole city. $1 first day, $2 last day (dates, both
-- included) unless a block says otherwise.

-- name: totals
-- Requests, blocked, bytes and the employees with traffic (not counting nobody signed in). $1..$4 above.
SELECT coalesce(sum(requests), 0)::bigint AS requests, coalesce(sum(blocked), 0)::bigint AS blocked,
       coalesce(sum(bytes_up), 0)::bigint AS bytes_up, coalesce(sum(bytes_down), 0)::bigint AS bytes_down,
       count(DISTINCT employee_id) FILTER (WHERE employee_id <> 0)::bigint AS employees
  FROM usage_daily_totals
 WHERE day BETWEEN $1 AND $2
   AND ($3::int IS NULL OR employee_id = $3) AND ($4::int[] IS NULL OR org_unit_id = ANY($4));

-- name: per_day
-- Totals per local day, for the trend. $1..$4 above.
SELECT day, sum(requests)::bigint AS requests, sum(blocked)::bigint AS blocked,
       sum(bytes_up)::bigint AS bytes_up, sum(bytes_down)::bigint AS bytes_down
  FROM usage_daily_totals
 WHERE day BETWEEN $1 AND $2
   AND ($3::int IS NULL OR employee_id = $3) AND ($4::int[] IS NULL OR org_unit_id = ANY($4))
 GROUP BY day
 ORDER BY day;

-- name: per_category
-- The categories with most bytes, with their names. $1..$4 above, $5 how many.
SELECT u.category, coalesce(c.name_id, '') AS name_id, coalesce(c.name_en, '') AS name_en,
       sum(u.requests)::bigint AS requests, sum(u.blocked)::bigint AS blocked,
       sum(u.bytes_up)::bigint AS bytes_up, sum(u.bytes_down)::bigint AS bytes_down
  FROM usage_daily_totals u
  LEFT JOIN categories c ON c.slug = u.category
 WHERE u.day BETWEEN $1 AND $2
   AND ($3::int IS NULL OR u.employee_id = $3) AND ($4::int[] IS NULL OR u.org_unit_id = ANY($4))
 GROUP BY u.category, c.name_id, c.name_en
 ORDER BY sum(u.bytes_up + u.bytes_down) DESC, u.category
 LIMIT $5;

-- name: per_slot
-- The 5-minute activity slots per local day: how many employees were active in each, and their traffic.
-- Office hours, active time and the hourly trend are worked out from these rows. $1..$4 above.
SELECT day, slot, count(*)::bigint AS active, sum(requests)::bigint AS requests,
       sum(blocked)::bigint AS blocked, sum(quota_refused)::bigint AS quota_refused,
       sum(bytes_up)::bigint AS bytes_up, sum(bytes_down)::bigint AS bytes_down
  FROM usage_activity
 WHERE day BETWEEN $1 AND $2
   AND ($3::int IS NULL OR employee_id = $3) AND ($4::int[] IS NULL OR org_unit_id = ANY($4))
 GROUP BY day, slot
 ORDER BY day, slot;

-- name: per_slot_of_orgs
-- The same as per_slot for an OPD or the city, from the per-OPD slots. $1 first day, $2 last day, $3 the
-- OPD ids or NULL (the city).
SELECT day, slot, sum(active)::bigint AS active, sum(requests)::bigint AS requests,
       sum(blocked)::bigint AS blocked, sum(quota_refused)::bigint AS quota_refused,
       sum(bytes_up)::bigint AS bytes_up, sum(bytes_down)::bigint AS bytes_down
  FROM usage_activity_orgs
 WHERE day BETWEEN $1 AND $2 AND ($3::int[] IS NULL OR org_unit_id = ANY($3))
 GROUP BY day, slot
 ORDER BY day, slot;

-- name: hosts_of_orgs
-- The hosts with most bytes for an OPD or the city, from the daily host rollup. $1 first day, $2 last day,
-- $3 the OPD ids or NULL (the city), $4 how many.
SELECT host, sum(requests)::bigint AS requests, sum(blocked)::bigint AS blocked,
       sum(bytes_up)::bigint AS bytes_up, sum(bytes_down)::bigint AS bytes_down
  FROM usage_daily_hosts
 WHERE day BETWEEN $1 AND $2 AND ($3::int[] IS NULL OR org_unit_id = ANY($3))
 GROUP BY host
 ORDER BY sum(bytes_up + bytes_down) DESC, host
 LIMIT $4;

-- name: hosts_of_employee
-- The hosts with most bytes for one employee, from the hourly rollup. $1 start, $2 end (timestamptz: the
-- local days' bounds), $3 the employee id, $4 how many.
SELECT host, sum(requests)::bigint AS requests, sum(blocked)::bigint AS blocked,
       sum(bytes_up)::bigint AS bytes_up, sum(bytes_down)::bigint AS bytes_down
  FROM usage_hourly
 WHERE employee_id = $3 AND hour >= $1 AND hour < $2
 GROUP BY host
 ORDER BY sum(bytes_up + bytes_down) DESC, host
 LIMIT $4;

-- name: quota_notices
-- The 80 % quota notices shown in the period, per quota, for one employee ($3), the employees now in
-- the OPDs $4, or everyone. $1 start, $2 end (timestamptz).
SELECT n.quota_id, q.scope, q.period, q.limit_bytes, count(*)::bigint AS notices
  FROM quota_notices n
  JOIN quotas q ON q.id = n.quota_id
  JOIN employees e ON e.id = n.employee_id
 WHERE n.shown_at >= $1 AND n.shown_at < $2
   AND ($3::int IS NULL OR n.employee_id = $3) AND ($4::int[] IS NULL OR e.org_unit_id = ANY($4))
 GROUP BY n.quota_id, q.scope, q.period, q.limit_bytes
 ORDER BY n.quota_id;

-- name: org_tree
-- An OPD and every OPD below it (all OPDs when $1 is NULL), with depth and the path that orders them as a
-- tree, and each one's own totals (not its sub-units'). $1 the root OPD id or NULL, $2 first day, $3 last.
WITH RECURSIVE tree (id, code, name, parent_id, depth, path) AS (
    SELECT id, code, name, parent_id, 0, ARRAY[code]
      FROM org_units WHERE ($1::int IS NULL AND parent_id IS NULL) OR id = $1
    UNION  -- not ALL: a loop in parent_id ends instead of recursing forever
    SELECT o.id, o.code, o.name, o.parent_id, t.depth + 1, t.path || o.code
      FROM org_units o JOIN tree t ON o.parent_id = t.id
     WHERE t.depth < 20
), own AS (
    SELECT org_unit_id, sum(requests)::bigint AS requests, sum(blocked)::bigint AS blocked,
           sum(bytes_up)::bigint AS bytes_up, sum(bytes_down)::bigint AS bytes_down,
           count(DISTINCT employee_id) FILTER (WHERE employee_id <> 0)::bigint AS employees
      FROM usage_daily_totals
     WHERE day BETWEEN $2 AND $3
     GROUP BY org_unit_id
)
SELECT t.id, t.code, t.name, t.parent_id, t.depth,
       coalesce(own.requests, 0)::bigint AS requests, coalesce(own.blocked, 0)::bigint AS blocked,
       coalesce(own.bytes_up, 0)::bigint AS bytes_up, coalesce(own.bytes_down, 0)::bigint AS bytes_down,
       coalesce(own.employees, 0)::bigint AS employees
  FROM tree t LEFT JOIN own ON own.org_unit_id = t.id
 ORDER BY t.path;

-- name: employee_subject
-- An employee by username, with their current OPD. $1 username.
SELECT e.id, e.username, e.full_name, e.org_unit_id, coalesce(o.code, '') AS org_code,
       coalesce(o.name, '') AS org_name
  FROM employees e LEFT JOIN org_units o ON o.id = e.org_unit_id
 WHERE e.username = $1;

-- name: org_subject
-- An OPD by code. $1 code.
SELECT id, code, name FROM org_units WHERE code = $1;

-- name: org_subject_by_id
-- An OPD by id. $1 id.
SELECT id, code, name FROM org_units WHERE id = $1;

-- name: top_level_orgs
-- The OPDs at the top of the hierarchy: the scheduled reports make one each. No parameters.
SELECT id, code, name FROM org_units WHERE parent_id IS NULL ORDER BY code;

-- name: org_subtree_ids
-- An OPD and every OPD below it. $1 the OPD's id.
WITH RECURSIVE subtree (id) AS (
    SELECT id FROM org_units WHERE id = $1
    UNION
    SELECT o.id FROM org_units o JOIN subtree s ON o.parent_id = s.id
)
SELECT id FROM subtree;

-- name: store_generated
-- Keeps a scheduled report once: NULL when the period's report for the subject was made before.
-- $1 period, $2 first day, $3 last day, $4 OPD id or NULL (the city), $5 the report (jsonb text), $6 by.
INSERT INTO generated_reports (period, first_day, last_day, org_unit_id, report, generated_by)
VALUES ($1, $2, $3, $4, $5::jsonb, $6)
ON CONFLICT (period, first_day, subject_key) DO NOTHING
RETURNING id;

-- name: generated_exists
-- Whether the period's report for the subject was made. $1 period, $2 first day, $3 OPD id or NULL.
SELECT EXISTS (SELECT 1 FROM generated_reports
                WHERE period = $1 AND first_day = $2 AND subject_key = coalesce($3::int, 0));

-- name: list_generated
-- The scheduled reports, newest first, for the OPDs $1 (NULL: every report, the city's included).
-- $2 how many.
SELECT g.id, g.period, g.first_day, g.last_day, g.org_unit_id, coalesce(o.code, '') AS org_code,
       coalesce(o.name, '') AS org_name, g.generated_at, g.generated_by
  FROM generated_reports g LEFT JOIN org_units o ON o.id = g.org_unit_id
 WHERE $1::int[] IS NULL OR g.org_unit_id = ANY($1)
 ORDER BY g.first_day DESC, g.period, coalesce(o.code, '')
 LIMIT $2;

-- name: get_generated
-- One scheduled report. $1 id.
SELECT id, period, first_day, last_day, org_unit_id, report::text AS report FROM generated_reports
 WHERE id = $1;
