-- Queries the proxy runs at start-up and when the portal announces a change.

-- name: directory
-- Every employee the proxy may authenticate, with the hash it verifies against, roles and the path of
-- OPD ids from the top of the hierarchy down to their own (rules for an OPD cover its sub-units).
-- No parameters.
WITH RECURSIVE paths AS (
    SELECT id, ARRAY[id] AS path FROM org_units WHERE parent_id IS NULL
    UNION ALL
    SELECT o.id, p.path || o.id FROM org_units o JOIN paths p ON o.parent_id = p.id
)
SELECT e.id, e.username, e.full_name, e.org_unit_id, coalesce(o.code, '') AS org_code,
       e.password_hash, e.active, e.roles, coalesce(p.path, '{}') AS org_path
  FROM employees e
  LEFT JOIN org_units o ON o.id = e.org_unit_id
  LEFT JOIN paths p ON p.id = e.org_unit_id;

-- name: blocked_domains
-- The policy's blocked domains (already normalised). No parameters.
SELECT domain FROM blocked_domains;

-- name: categories
-- Every category with its default action. No parameters.
SELECT id, slug, name_id, name_en, default_action FROM categories;

-- name: rules
-- Enabled, unexpired rules in order, with their schedule's name. $1 now.
SELECT r.id, r.scope, r.org_unit_id, r.role, r.employee_id, r.match, r.category_id, r.pattern, r.action,
       r.expires_at, r.note, s.name AS schedule
  FROM rules r LEFT JOIN schedules s ON s.id = r.schedule_id
 WHERE r.enabled AND (r.expires_at IS NULL OR r.expires_at > $1)
 ORDER BY r.position, r.id;

-- name: schedule_windows
-- Every schedule's windows. No parameters.
SELECT s.name, s.except_holidays, w.weekday, w.starts, w.ends
  FROM schedules s JOIN schedule_windows w ON w.schedule_id = s.id
 ORDER BY s.name, w.weekday, w.starts;

-- name: holidays
-- Public holidays. No parameters.
SELECT day FROM holidays;
