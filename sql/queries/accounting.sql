-- The usage store: raw events, the hourly rollup and the reports that read it.

-- name: ensure_partitions
-- Creates the daily partitions of usage_events. $1 first day (date), $2 number of days.
SELECT ensure_usage_partitions($1, $2);

-- name: usage_by_employee
-- Totals per employee between two instants (a local day in SMEDI_TZ). $1 start, $2 end.
SELECT e.username, e.full_name, coalesce(o.code, '') AS org_code, coalesce(o.name, '') AS org_name,
       sum(u.requests)::bigint AS requests, sum(u.blocked)::bigint AS blocked,
       sum(u.bytes_up)::bigint AS bytes_up, sum(u.bytes_down)::bigint AS bytes_down
  FROM usage_hourly u
  JOIN employees e ON e.id = u.employee_id
  LEFT JOIN org_units o ON o.id = e.org_unit_id
 WHERE u.hour >= $1 AND u.hour < $2
 GROUP BY e.username, e.full_name, o.code, o.name
 ORDER BY sum(u.bytes_up + u.bytes_down) DESC, e.username;

-- name: usage_by_org
-- Totals per OPD between two instants. $1 start, $2 end. Employees without an OPD are grouped under ''.
SELECT coalesce(o.code, '') AS org_code, coalesce(o.name, '') AS org_name,
       count(DISTINCT u.employee_id)::bigint AS employees,
       sum(u.requests)::bigint AS requests, sum(u.blocked)::bigint AS blocked,
       sum(u.bytes_up)::bigint AS bytes_up, sum(u.bytes_down)::bigint AS bytes_down
  FROM usage_hourly u
  JOIN employees e ON e.id = u.employee_id
  LEFT JOIN org_units o ON o.id = e.org_unit_id
 WHERE u.hour >= $1 AND u.hour < $2
 GROUP BY o.code, o.name
 ORDER BY sum(u.bytes_up + u.bytes_down) DESC, o.code;

-- name: usage_by_hour
-- Totals per hour between two instants, for the day's chart. $1 start, $2 end.
SELECT hour, sum(requests)::bigint AS requests, sum(blocked)::bigint AS blocked,
       sum(bytes_up)::bigint AS bytes_up, sum(bytes_down)::bigint AS bytes_down
  FROM usage_hourly
 WHERE hour >= $1 AND hour < $2 AND employee_id <> 0
 GROUP BY hour
 ORDER BY hour;

-- name: claim_batch
-- Records a batch as written; returns true the first time, NULL when it was written before (a replay
-- after a lost answer). $1 batch id (uuid), $2 number of records.
INSERT INTO usage_batches (id, records) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING RETURNING true;

-- name: create_batch_table
-- The writer's staging table: a batch is COPYed here, then write_batch moves it. No parameters.
CREATE TEMP TABLE IF NOT EXISTS usage_batch (LIKE usage_events INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;

-- name: write_batch
-- Moves the staged batch into usage_events and adds it to the hourly rollup and the daily hosts; the
-- writer then runs write_batch_totals and write_batch_activity, in its transaction: a report never differs
-- from the raw events. Rollup rows are taken in key order, so two writers wait for each other but never
-- deadlock; the rows two batches share most (the daily totals, the OPDs' slots) are taken last, so a second
-- batch does most of its work while the first commits. Intervals and connection rows count bytes, not
-- requests. $1 the time zone of local days (SMEDI_TZ).
WITH hourly AS (
    INSERT INTO usage_hourly AS u (hour, employee_id, host, category, requests, blocked, bytes_up, bytes_down)
    SELECT date_trunc('hour', ts), coalesce(employee_id, 0), host, category,
           count(*) FILTER (WHERE kind = 'request'), count(*) FILTER (WHERE decision IN ('block', 'quota')),
           sum(bytes_up), sum(bytes_down)
      FROM usage_batch
     GROUP BY 1, 2, 3, 4
     ORDER BY 1, 2, 3, 4
    ON CONFLICT (hour, employee_id, host, category) DO UPDATE
       SET requests   = u.requests + excluded.requests,
           blocked    = u.blocked + excluded.blocked,
           bytes_up   = u.bytes_up + excluded.bytes_up,
           bytes_down = u.bytes_down + excluded.bytes_down
)
INSERT INTO usage_events SELECT * FROM usage_batch;

-- name: write_batch_totals
-- The staged batch's daily totals (local days): what quotas and reports by employee, OPD and category
-- read. $1 the time zone of local days.
INSERT INTO usage_daily_totals AS u (day, employee_id, org_unit_id, category, requests, blocked, bytes_up,
                                     bytes_down, updated_at)
SELECT (ts AT TIME ZONE $1)::date, coalesce(employee_id, 0), coalesce(org_unit_id, 0), category,
       count(*) FILTER (WHERE kind = 'request'), count(*) FILTER (WHERE decision IN ('block', 'quota')),
       sum(bytes_up), sum(bytes_down), clock_timestamp()
  FROM usage_batch
 GROUP BY 1, 2, 3, 4
 ORDER BY 1, 2, 3, 4
ON CONFLICT (day, employee_id, org_unit_id, category) DO UPDATE
   SET requests   = u.requests + excluded.requests,
       blocked    = u.blocked + excluded.blocked,
       bytes_up   = u.bytes_up + excluded.bytes_up,
       bytes_down = u.bytes_down + excluded.bytes_down,
       updated_at = clock_timestamp();

-- name: write_batch_activity
-- The staged batch's 5-minute activity slots per employee, and per OPD with how many of its employees
-- were active in each (counted once: when a slot is new to the employee). $1 the time zone of local days.
WITH slots AS (
    SELECT local::date AS day, employee_id,
           extract(hour FROM local)::int * 12 + extract(minute FROM local)::int / 5 AS slot,
           max(coalesce(org_unit_id, 0)) AS org_unit_id,
           count(*) FILTER (WHERE kind = 'request') AS requests,
           count(*) FILTER (WHERE decision IN ('block', 'quota')) AS blocked,
           count(*) FILTER (WHERE decision = 'quota') AS quota_refused,
           sum(bytes_up) AS bytes_up, sum(bytes_down) AS bytes_down
      FROM (SELECT ts AT TIME ZONE $1 AS local, * FROM usage_batch WHERE employee_id IS NOT NULL) b
     GROUP BY 1, 2, 3
), activity AS (
    INSERT INTO usage_activity AS a (day, employee_id, slot, org_unit_id, requests, blocked, quota_refused,
                                     bytes_up, bytes_down)
    SELECT day, employee_id, slot, org_unit_id, requests, blocked, quota_refused, bytes_up, bytes_down
      FROM slots
     ORDER BY employee_id, day, slot
    ON CONFLICT (employee_id, day, slot) DO UPDATE
       SET requests      = a.requests + excluded.requests,
           blocked       = a.blocked + excluded.blocked,
           quota_refused = a.quota_refused + excluded.quota_refused,
           bytes_up      = a.bytes_up + excluded.bytes_up,
           bytes_down    = a.bytes_down + excluded.bytes_down
    RETURNING day, employee_id, slot, xmax = 0 AS added  -- xmax 0: inserted, a slot new to the employee
)
INSERT INTO usage_activity_orgs AS o (day, slot, org_unit_id, active, requests, blocked, quota_refused,
                                      bytes_up, bytes_down)
SELECT s.day, s.slot, s.org_unit_id, count(*) FILTER (WHERE a.added), sum(s.requests), sum(s.blocked),
       sum(s.quota_refused), sum(s.bytes_up), sum(s.bytes_down)
  FROM slots s JOIN activity a USING (day, employee_id, slot)
 GROUP BY 1, 2, 3
 ORDER BY 1, 2, 3
ON CONFLICT (day, slot, org_unit_id) DO UPDATE
   SET active        = o.active + excluded.active,
       requests      = o.requests + excluded.requests,
       blocked       = o.blocked + excluded.blocked,
       quota_refused = o.quota_refused + excluded.quota_refused,
       bytes_up      = o.bytes_up + excluded.bytes_up,
       bytes_down    = o.bytes_down + excluded.bytes_down;

-- name: write_batch_hosts
-- The staged batch's hosts per local day and OPD: the top hosts of an OPD's or the city's report. $1 the
-- time zone of local days.
INSERT INTO usage_daily_hosts AS h (day, org_unit_id, host, requests, blocked, bytes_up, bytes_down)
SELECT (ts AT TIME ZONE $1)::date, coalesce(org_unit_id, 0), host,
       count(*) FILTER (WHERE kind = 'request'), count(*) FILTER (WHERE decision IN ('block', 'quota')),
       sum(bytes_up), sum(bytes_down)
  FROM usage_batch
 GROUP BY 1, 2, 3
 ORDER BY 1, 2, 3
ON CONFLICT (day, org_unit_id, host) DO UPDATE
   SET requests   = h.requests + excluded.requests,
       blocked    = h.blocked + excluded.blocked,
       bytes_up   = h.bytes_up + excluded.bytes_up,
       bytes_down = h.bytes_down + excluded.bytes_down;

-- name: drop_partitions_before
-- Retention of raw events: drops the daily partitions of days before $1 (date); returns how many.
SELECT drop_usage_partitions_before($1);

-- name: delete_rollups_before
-- Retention of the rollups: hours and days before $1 (date, UTC for hours, local for days).
WITH hourly AS (DELETE FROM usage_hourly WHERE hour < $1::date::timestamp AT TIME ZONE 'UTC'),
activity AS (DELETE FROM usage_activity WHERE day < $1),
org_activity AS (DELETE FROM usage_activity_orgs WHERE day < $1),
daily_hosts AS (DELETE FROM usage_daily_hosts WHERE day < $1)
DELETE FROM usage_daily_totals WHERE day < $1;

-- name: delete_batches_before
-- Batch ids are kept as long as a spooled batch could still be replayed. $1 date.
DELETE FROM usage_batches WHERE written_at < $1::date::timestamp AT TIME ZONE 'UTC';
