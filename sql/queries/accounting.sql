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
-- Moves the staged batch into usage_events and adds it to both rollups, in one statement of the
-- writer's transaction: a report never differs from the raw events. Rollup rows are taken in key order,
-- so two writers wait for each other but never deadlock. Intervals and connection rows count bytes, not
-- requests. $1 the time zone of local days (SMEDI_TZ).
WITH events AS (
    INSERT INTO usage_events SELECT * FROM usage_batch
), hourly AS (
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

-- name: drop_partitions_before
-- Retention of raw events: drops the daily partitions of days before $1 (date); returns how many.
SELECT drop_usage_partitions_before($1);

-- name: delete_rollups_before
-- Retention of the rollups: hours and days before $1 (date, UTC for hours, local for days).
WITH hourly AS (DELETE FROM usage_hourly WHERE hour < $1::date::timestamp AT TIME ZONE 'UTC')
DELETE FROM usage_daily_totals WHERE day < $1;

-- name: delete_batches_before
-- Batch ids are kept as long as a spooled batch could still be replayed. $1 date.
DELETE FROM usage_batches WHERE written_at < $1::date::timestamp AT TIME ZONE 'UTC';
