-- Exception requests.

-- name: refused_event
-- The block or warning an employee saw, by the reference on the page. $1 employee id, $2 reference.
SELECT ts, host, rule, category, decision FROM usage_events
 WHERE employee_id = $1 AND reference = $2 AND decision IN ('block', 'warn')
 ORDER BY ts DESC LIMIT 1;

-- name: request_insert
-- A new request. $1 employee id, $2 reference, $3 host, $4 rule, $5 category, $6 reason. Returns id; no
-- row when this reference was already asked about.
INSERT INTO exception_requests (employee_id, reference, host, rule, category, reason)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (employee_id, reference) DO NOTHING
RETURNING id;

-- name: requests_of
-- One employee's requests, newest first. $1 employee id.
SELECT id, reference, host, rule, category, reason, status, created_at, decided_at, decision_note,
       approved_scope, expires_at
  FROM exception_requests WHERE employee_id = $1 ORDER BY id DESC LIMIT 100;

-- name: requests_for_review
-- Pending requests first (oldest first), then the latest decisions. No parameters.
SELECT x.id, x.reference, x.host, x.rule, x.category, x.reason, x.status, x.created_at, x.decided_by,
       x.decided_at, x.decision_note, x.approved_scope, x.expires_at,
       e.username, e.full_name, coalesce(o.code, '') AS org_code
  FROM exception_requests x
  JOIN employees e ON e.id = x.employee_id
  LEFT JOIN org_units o ON o.id = e.org_unit_id
 ORDER BY x.status <> 'pending', CASE WHEN x.status = 'pending' THEN x.created_at END, x.decided_at DESC NULLS LAST
 LIMIT 200;

-- name: request_pending
-- A pending request with who asked, locked for a decision. $1 id.
SELECT x.id, x.host, x.reference, e.username, o.code AS org_code
  FROM exception_requests x
  JOIN employees e ON e.id = x.employee_id
  LEFT JOIN org_units o ON o.id = e.org_unit_id
 WHERE x.id = $1 AND x.status = 'pending'
   FOR UPDATE OF x;

-- name: request_decide
-- Records a decision. $1 id, $2 status, $3 who, $4 note, $5 scope, $6 expires at, $7 rule id.
UPDATE exception_requests
   SET status = $2, decided_by = $3, decided_at = now(), decision_note = $4, approved_scope = $5,
       expires_at = $6, rule_id = $7
 WHERE id = $1;
