-- Anomaly alerts: what the scan reads and writes, the alert pages, the webhook's queue and the corrective
-- actions taken from an alert (suspensions, ending captive-portal leases).

-- name: hourly_for_scan
-- What the scan reads for the employees with traffic in the window: their baseline weeks as totals per
-- hour (host and category ''), and the window itself per host and category. $1 baseline start, $2 window
-- start, $3 window end (timestamptz).
WITH active AS (
    SELECT DISTINCT employee_id FROM usage_hourly WHERE hour >= $2 AND hour < $3 AND employee_id <> 0
)
SELECT u.hour, u.employee_id, '' AS host, '' AS category, sum(u.requests)::bigint AS requests,
       sum(u.blocked)::bigint AS blocked, sum(u.bytes_up)::bigint AS bytes_up,
       sum(u.bytes_down)::bigint AS bytes_down
  FROM usage_hourly u JOIN active a USING (employee_id)
 WHERE u.hour >= $1 AND u.hour < $2
 GROUP BY u.hour, u.employee_id
UNION ALL
SELECT u.hour, u.employee_id, u.host, u.category, u.requests, u.blocked, u.bytes_up, u.bytes_down
  FROM usage_hourly u JOIN active a USING (employee_id)
 WHERE u.hour >= $2 AND u.hour < $3;

-- name: known_hosts_for_scan
-- The hosts each employee with traffic in the window visited in their baseline weeks. $1 baseline start,
-- $2 window start, $3 window end (timestamptz).
WITH active AS (
    SELECT DISTINCT employee_id FROM usage_hourly WHERE hour >= $2 AND hour < $3 AND employee_id <> 0
)
SELECT u.employee_id, array_agg(DISTINCT u.host) AS hosts
  FROM usage_hourly u JOIN active a USING (employee_id)
 WHERE u.hour >= $1 AND u.hour < $2
 GROUP BY u.employee_id;

-- name: holidays
-- Public holidays (office hours are off on them). No parameters.
SELECT day FROM holidays;

-- name: alert_insert
-- A finding as a new alert, once per detector, employee and window start (a scan run twice flags once).
-- $1 detector, $2 employee id, $3 severity, $4 window start, $5 window end, $6 evidence (json text).
-- Returns the id, or nothing when the alert exists.
INSERT INTO alerts (detector, employee_id, org_unit_id, severity, window_start, window_end, evidence)
SELECT $1, e.id, e.org_unit_id, $3, $4, $5, $6::jsonb FROM employees e WHERE e.id = $2
ON CONFLICT (detector, employee_id, window_start) DO NOTHING
RETURNING id;

-- name: alert_list
-- Alerts, newest first, narrowed by each filter that is not NULL. $1 status, $2 severity, $3 detector,
-- $4 OPD ids (int[]: the OPD and those below it, chosen on the page), $5 OPD ids the reader may see
-- (int[]; NULL: the whole city), $6 most rows.
SELECT a.id, a.detector, a.severity, a.status, a.window_start, a.window_end, a.created_at, a.updated_at,
       a.updated_by, a.note, e.username, e.full_name, coalesce(o.code, '') AS org_code,
       coalesce(o.name, '') AS org_name
  FROM alerts a
  LEFT JOIN employees e ON e.id = a.employee_id
  LEFT JOIN org_units o ON o.id = a.org_unit_id
 WHERE ($1::text IS NULL OR a.status = $1)
   AND ($2::text IS NULL OR a.severity = $2)
   AND ($3::text IS NULL OR a.detector = $3)
   AND ($4::int[] IS NULL OR a.org_unit_id = ANY ($4))
   AND ($5::int[] IS NULL OR a.org_unit_id = ANY ($5))
 ORDER BY a.created_at DESC, a.id DESC
 LIMIT $6;

-- name: alert_counts
-- Open alerts by severity within what the reader may see. $1 OPD ids (int[]; NULL: the whole city).
SELECT severity, count(*)::bigint AS alerts
  FROM alerts
 WHERE status IN ('new', 'acknowledged') AND ($1::int[] IS NULL OR org_unit_id = ANY ($1))
 GROUP BY severity;

-- name: alert_get
-- One alert with its employee and OPD. $1 alert id.
SELECT a.id, a.detector, a.severity, a.status, a.window_start, a.window_end, a.evidence::text AS evidence,
       a.note, a.created_at, a.updated_at, a.updated_by, a.employee_id, a.org_unit_id,
       e.username, e.full_name, coalesce(o.code, '') AS org_code, coalesce(o.name, '') AS org_name
  FROM alerts a
  LEFT JOIN employees e ON e.id = a.employee_id
  LEFT JOIN org_units o ON o.id = a.org_unit_id
 WHERE a.id = $1;

-- name: alert_set_status
-- Moves an alert to a status with a note, only from the status the page showed (two admins deciding
-- at once: the second sees the first's decision). $1 id, $2 expected current status, $3 new status,
-- $4 note, $5 who. Returns the id, or nothing when the status had changed.
UPDATE alerts SET status = $3, note = $4, updated_by = $5, updated_at = now()
 WHERE id = $1 AND status = $2
RETURNING id;

-- name: alert_actions
-- The audit entries of the actions taken on an alert, oldest first. $1 alert id (as text).
SELECT id, at, actor, action, target, details::text AS details
  FROM audit_log
 WHERE details ->> 'alert' = $1
 ORDER BY id;

-- name: org_subtree_ids
-- An OPD's id and those of every OPD below it, by the OPD's code. $1 code.
WITH RECURSIVE tree AS (
    SELECT id FROM org_units WHERE code = $1
    UNION ALL
    SELECT o.id FROM org_units o JOIN tree t ON o.parent_id = t.id
)
SELECT id FROM tree;

-- name: org_choices
-- Every OPD for the filter. No parameters.
SELECT code, name FROM org_units ORDER BY code;

-- name: webhook_pending
-- Alerts the webhook has not delivered yet and not given up on, oldest first. $1 most attempts,
-- $2 most rows.
SELECT a.id, a.detector, a.severity, a.status, a.window_start, a.window_end, a.evidence::text AS evidence,
       a.created_at, e.username, coalesce(o.code, '') AS org_code
  FROM alerts a
  LEFT JOIN employees e ON e.id = a.employee_id
  LEFT JOIN org_units o ON o.id = a.org_unit_id
 WHERE a.webhook_sent_at IS NULL AND a.webhook_attempts < $1
 ORDER BY a.id
 LIMIT $2;

-- name: webhook_attempted
-- Records one delivery attempt. $1 alert id, $2 whether the receiver took it.
UPDATE alerts SET webhook_attempts = webhook_attempts + 1,
                  webhook_sent_at = CASE WHEN $2 THEN now() END
 WHERE id = $1;

-- name: suspension_add
-- Suspends an employee's internet. $1 employee id, $2 alert id (NULL: none), $3 reason, $4 until,
-- $5 who. Returns the id.
INSERT INTO internet_suspensions (employee_id, alert_id, reason, ends_at, created_by)
VALUES ($1, $2, $3, $4, $5)
RETURNING id;

-- name: suspension_lift
-- Lifts the employee's open suspensions early. $1 employee id, $2 who. Returns the lifted ids.
UPDATE internet_suspensions SET lifted_at = now(), lifted_by = $2
 WHERE employee_id = $1 AND lifted_at IS NULL AND ends_at > now()
RETURNING id;

-- name: suspension_current
-- The employee's suspension in force, the one ending last. $1 employee id.
SELECT id, alert_id, reason, starts_at, ends_at, created_by
  FROM internet_suspensions
 WHERE employee_id = $1 AND lifted_at IS NULL AND ends_at > now()
 ORDER BY ends_at DESC
 LIMIT 1;

-- name: suspensions_in_force
-- Every suspension in force, the one ending last for each employee: what the proxies refuse. No
-- parameters.
SELECT DISTINCT ON (employee_id) id, employee_id, reason, ends_at
  FROM internet_suspensions
 WHERE lifted_at IS NULL AND ends_at > now()
 ORDER BY employee_id, ends_at DESC;

-- name: leases_of_employee
-- The captive-portal leases an employee holds. $1 employee id.
SELECT client_ip, started_at, expires_at FROM client_leases WHERE employee_id = $1 ORDER BY client_ip;

-- name: leases_end_for_employee
-- Ends every captive-portal lease the employee holds (they sign in again). $1 employee id. Returns the
-- addresses.
DELETE FROM client_leases WHERE employee_id = $1 RETURNING client_ip;

-- name: employee_quotas
-- The quotas on one employee (scope employee). $1 employee id.
SELECT id, period, limit_bytes, note FROM quotas WHERE scope = 'employee' AND employee_id = $1 ORDER BY id;

-- name: blocked_domain_get
-- Whether a domain is on the blocked list. $1 domain.
SELECT domain, reason, created_by FROM blocked_domains WHERE domain = $1;
