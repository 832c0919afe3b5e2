-- Queries the proxy runs at start-up and when the portal announces a change.

-- name: directory
-- Every employee the proxy may authenticate, with the hash it verifies against. No parameters.
SELECT e.id, e.username, e.full_name, e.org_unit_id, coalesce(o.code, '') AS org_code,
       e.password_hash, e.active
  FROM employees e
  LEFT JOIN org_units o ON o.id = e.org_unit_id;

-- name: blocked_domains
-- The policy's blocked domains (already normalised). No parameters.
SELECT domain FROM blocked_domains;
