-- The inspector's detail of one named employee: every usage row over a range, read from usage_events.

-- name: inspected_employee
-- The employee an inspector asks for, with their current OPD. $1 username.
SELECT e.id, e.username, e.full_name, e.org_unit_id, coalesce(o.code, '') AS org_code,
       coalesce(o.name, '') AS org_name
  FROM employees e LEFT JOIN org_units o ON o.id = e.org_unit_id
 WHERE e.username = $1;

-- name: employee_detail
-- One employee's usage rows (requests, and the intervals and connection bytes that belong to them) in
-- [$2, $3) (timestamptz), oldest first. $1 employee id, $4 the OPD ids the reader may see (integer[]; NULL:
-- the whole city): rows recorded while the employee was in another OPD are left out, $5 how many at most.
SELECT ts, kind, host, scheme, method, status, decision, category, rule, bytes_up, bytes_down,
       duration_ms, host(client_ip) AS client_ip
  FROM usage_events
 WHERE employee_id = $1 AND ts >= $2 AND ts < $3
   AND ($4::integer[] IS NULL OR org_unit_id = ANY ($4::integer[]))
 ORDER BY ts, flow_id, kind
 LIMIT $5;
