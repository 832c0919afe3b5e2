-- The live dashboard: the writer's per-batch summary (NOTIFY usage_live), the portal's backfill at start,
-- and what the portal adds to the live numbers each tick (names, open alerts).

-- name: notify_usage_live
-- Sent by the writer on the batch's connection right after its commit: listeners hear of a batch only once
-- it is in. (Inside the transaction NOTIFY would hold the notify lock through the commit's WAL flush.)
-- $1 the summary (accounting/live_feed.py: JSON under 8000 bytes).
SELECT pg_notify('usage_live', $1);

-- name: backfill
-- The last stretch of raw events for the live window, grouped by bucket, employee, OPD, host and category:
-- one query when the portal starts. Requests and blocked are counted as write_batch counts them.
-- $1 the start (timestamptz), $2 the bucket length in seconds (integer).
SELECT (floor(extract(epoch FROM ts) / $2) * $2)::bigint AS bucket,
       coalesce(employee_id, 0) AS employee_id, coalesce(org_unit_id, 0) AS org_unit_id, host, category,
       count(*)::bigint AS records,
       count(*) FILTER (WHERE kind = 'request')::bigint AS requests,
       count(*) FILTER (WHERE decision IN ('block', 'quota'))::bigint AS blocked,
       sum(bytes_up)::bigint AS bytes_up, sum(bytes_down)::bigint AS bytes_down
  FROM usage_events
 WHERE ts >= $1
 GROUP BY 1, 2, 3, 4, 5
 ORDER BY 1;

-- name: employee_names
-- Names for the employees of the live top lists. $1 employee ids (integer[]).
SELECT e.id, e.username, e.full_name, coalesce(o.code, '') AS org_code
  FROM employees e
  LEFT JOIN org_units o ON o.id = e.org_unit_id
 WHERE e.id = ANY($1);

-- name: org_names
-- Names for the OPDs of the live top lists. $1 OPD ids (integer[]).
SELECT id, code, name FROM org_units WHERE id = ANY($1);

-- name: category_names
-- Names of every category, for the live top lists. No parameters.
SELECT slug, name_id, name_en FROM categories;

-- name: open_alerts
-- The open alerts (sql/0010_alerts.sql): how many, and the newest few with who they are about.
-- $1 how many of the newest (integer).
WITH open AS (
    SELECT id, detector, severity, status, employee_id, created_at
      FROM alerts
     WHERE status IN ('new', 'acknowledged')
)
SELECT (SELECT count(*) FROM open)::bigint AS total,
       coalesce((SELECT json_agg(newest ORDER BY newest.created_at DESC, newest.id DESC)
                   FROM (SELECT o.id, o.detector, o.severity, o.status, o.created_at,
                                coalesce(e.username, '') AS username
                           FROM open o
                           LEFT JOIN employees e ON e.id = o.employee_id
                          ORDER BY o.created_at DESC, o.id DESC
                          LIMIT $1) newest), '[]'::json) AS newest;
