-- Client addresses in transparent mode: captive-portal leases and static bindings.

-- name: client_map
-- Every lease and binding, for the proxy's in-memory map. No parameters.
SELECT client_ip, employee_id, 'lease' AS kind, expires_at, last_seen FROM client_leases
UNION ALL
SELECT client_ip, employee_id, 'binding', NULL, NULL FROM client_bindings;

-- name: lease_take
-- Leases an address to an employee (replacing whoever held it). $1 address, $2 employee id,
-- $3 lifetime in seconds. Returns the username that held it before (NULL when none or the same one).
-- `previous` is read (and its row locked) before the upsert, through `locked`: a CTE read only in RETURNING
-- would be read after the upsert, and FOR UPDATE skips a row the same statement has already changed.
WITH previous AS (SELECT employee_id FROM client_leases WHERE client_ip = $1 FOR UPDATE)
INSERT INTO client_leases (client_ip, employee_id, expires_at)
SELECT $1, $2, now() + make_interval(secs => $3) FROM (SELECT count(*) FROM previous) AS locked
ON CONFLICT (client_ip) DO UPDATE
   SET employee_id = EXCLUDED.employee_id, started_at = now(), last_seen = now(), expires_at = EXCLUDED.expires_at
RETURNING (SELECT e.username FROM previous p JOIN employees e ON e.id = p.employee_id
             WHERE p.employee_id <> $2) AS replaced;

-- name: lease_end
-- Ends the lease of an address if that employee holds it. $1 address, $2 employee id. Returns the address.
DELETE FROM client_leases WHERE client_ip = $1 AND employee_id = $2 RETURNING client_ip;

-- name: lease_of
-- The lease of an address with the employee's name. $1 address.
SELECT l.client_ip, l.employee_id, e.username, l.started_at, l.last_seen, l.expires_at
  FROM client_leases l JOIN employees e ON e.id = l.employee_id
 WHERE l.client_ip = $1;

-- name: leases_seen
-- Records traffic the proxy saw. $1 addresses, $2 times (same order).
UPDATE client_leases l SET last_seen = greatest(l.last_seen, s.seen)
  FROM unnest($1::inet[], $2::timestamptz[]) AS s (client_ip, seen)
 WHERE l.client_ip = s.client_ip;

-- name: leases_expire
-- Ends leases past their lifetime or idle too long. $1 idle seconds. Returns what ended, and why.
DELETE FROM client_leases l
 USING employees e
 WHERE e.id = l.employee_id
   AND (l.expires_at <= now() OR l.last_seen <= now() - make_interval(secs => $1))
RETURNING l.client_ip, e.username, CASE WHEN l.expires_at <= now() THEN 'lifetime' ELSE 'idle' END AS reason;

-- name: clients
-- Leases and bindings with names, for the portal and the CLI. No parameters.
SELECT c.client_ip, c.kind, e.username, e.full_name, c.since, c.last_seen, c.expires_at, c.note, c.created_by
  FROM (SELECT client_ip, employee_id, 'lease' AS kind, started_at AS since, last_seen, expires_at,
               '' AS note, '' AS created_by
          FROM client_leases
        UNION ALL
        SELECT client_ip, employee_id, 'binding', created_at, NULL, NULL, note, created_by
          FROM client_bindings) c
  JOIN employees e ON e.id = c.employee_id
 ORDER BY c.client_ip;

-- name: employee_id
-- An employee's id by username. $1 username.
SELECT id FROM employees WHERE username = $1;

-- name: binding_set
-- Binds an address to an employee (or service account). $1 address, $2 employee id, $3 note, $4 who.
-- Returns the username bound before (NULL when the address was free).
WITH previous AS (SELECT b.employee_id FROM client_bindings b WHERE b.client_ip = $1)
INSERT INTO client_bindings (client_ip, employee_id, note, created_by)
VALUES ($1, $2, $3, $4)
ON CONFLICT (client_ip) DO UPDATE
   SET employee_id = EXCLUDED.employee_id, note = EXCLUDED.note, created_by = EXCLUDED.created_by,
       created_at = now()
RETURNING (SELECT e.username FROM previous p JOIN employees e ON e.id = p.employee_id) AS replaced;

-- name: binding_remove
-- Removes the binding of an address. $1 address. Returns the username it was bound to.
DELETE FROM client_bindings b USING employees e
 WHERE b.client_ip = $1 AND e.id = b.employee_id
RETURNING e.username;
