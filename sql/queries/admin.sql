-- Queries of the portal and the command line: OPDs, employees, the blocked list, the audit chain.

-- name: org_add
-- Adds an OPD. $1 code, $2 name, $3 parent code or NULL. Returns id (no row when the parent is unknown).
INSERT INTO org_units (code, name, parent_id)
SELECT $1, $2, p.id FROM (SELECT 1) one LEFT JOIN org_units p ON p.code = $3
 WHERE $3::text IS NULL OR p.id IS NOT NULL
RETURNING id;

-- name: org_list
-- Every OPD with its parent's code. No parameters.
SELECT o.code, o.name, coalesce(p.code, '') AS parent_code
  FROM org_units o LEFT JOIN org_units p ON p.id = o.parent_id
 ORDER BY o.code;

-- name: employee_add
-- Adds an employee. $1 username, $2 full name, $3 NIP or NULL, $4 OPD code or NULL, $5 argon2id hash,
-- $6 roles. Returns id; no row when the OPD code is unknown.
INSERT INTO employees (username, full_name, nip, org_unit_id, password_hash, roles)
SELECT $1, $2, $3, o.id, $5, $6 FROM (SELECT 1) one LEFT JOIN org_units o ON o.code = $4
 WHERE $4::text IS NULL OR o.id IS NOT NULL
RETURNING id;

-- name: employee_for_login
-- The account a portal sign-in checks. $1 username.
SELECT id, username, full_name, password_hash, active, roles FROM employees WHERE username = $1;

-- name: admin_exists
-- Whether any active admin exists. No parameters.
SELECT EXISTS (SELECT 1 FROM employees WHERE active AND 'admin' = ANY (roles));

-- name: block_domains
-- Adds domains to the blocked list. $1 domains (normalised), $2 reason, $3 who. Returns those added.
INSERT INTO blocked_domains (domain, reason, created_by)
SELECT d, $2, $3 FROM unnest($1::text[]) d
ON CONFLICT (domain) DO NOTHING
RETURNING domain;

-- name: unblock_domains
-- Removes domains from the blocked list. $1 domains. Returns those removed.
DELETE FROM blocked_domains WHERE domain = ANY ($1::text[]) RETURNING domain;

-- name: blocked_list
-- The blocked list, newest first. No parameters.
SELECT domain, reason, created_by, created_at FROM blocked_domains ORDER BY created_at DESC, domain;

-- name: audit_append
-- Appends one entry to the hash chain. $1 actor, $2 action, $3 target, $4 details (jsonb), $5 client IP.
SELECT audit_append($1, $2, $3, $4::jsonb, $5::inet);

-- name: audit_chain
-- Every entry with its hash recomputed, oldest first, for verification. No parameters.
SELECT id, prev_hash, hash,
       audit_row_hash(prev_hash, id, at, actor, action, target, details, client_ip) AS recomputed
  FROM audit_log ORDER BY id;

-- name: audit_recent
-- The newest entries. $1 how many.
SELECT id, at, actor, action, target, details::text AS details, host(client_ip) AS client_ip
  FROM audit_log ORDER BY id DESC LIMIT $1;

-- name: session_create
-- A new portal session. $1 sha256(token), $2 employee id, $3 CSRF token, $4 expires at, $5 client IP, $6 user agent.
INSERT INTO portal_sessions (token_hash, employee_id, csrf_token, expires_at, client_ip, user_agent)
VALUES ($1, $2, $3, $4, $5::inet, $6);

-- name: session_lookup
-- The signed-in employee of a live session, touching last_seen_at. $1 sha256(token), $2 idle limit (interval).
UPDATE portal_sessions s SET last_seen_at = now()
  FROM employees e
 WHERE s.token_hash = $1 AND e.id = s.employee_id AND e.active
   AND s.expires_at > now() AND s.last_seen_at > now() - $2::interval
RETURNING e.id, e.username, e.full_name, e.roles, s.csrf_token, e.org_unit_id, e.scope_org_unit_id;

-- name: session_delete
-- Ends a session (sign-out). $1 sha256(token).
DELETE FROM portal_sessions WHERE token_hash = $1;

-- name: session_purge
-- Drops expired sessions. No parameters.
DELETE FROM portal_sessions WHERE expires_at <= now();
