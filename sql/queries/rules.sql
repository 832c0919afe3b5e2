-- Policy rules: add, list, enable/disable, move, delete.

-- name: rule_insert
-- A new rule at the end (or at $12, shifting the rules from there down). $1 scope, $2 OPD code, $3 role,
-- $4 username, $5 match, $6 category slug, $7 pattern, $8 action, $9 schedule name, $10 note, $11 who,
-- $12 position or NULL, $13 expires at or NULL. Returns id, or no row when a named OPD, employee,
-- category or schedule does not exist.
WITH shifted AS (
    UPDATE rules SET position = position + 1 WHERE $12::integer IS NOT NULL AND position >= $12
    RETURNING 1
), refs AS (
    SELECT (SELECT id FROM org_units WHERE code = $2) AS org_unit_id,
           (SELECT id FROM employees WHERE username = $4) AS employee_id,
           (SELECT id FROM categories WHERE slug = $6) AS category_id,
           (SELECT id FROM schedules WHERE name = $9) AS schedule_id
)
INSERT INTO rules (position, scope, org_unit_id, role, employee_id, match, category_id, pattern, action,
                   schedule_id, note, created_by, expires_at)
SELECT coalesce($12, (SELECT coalesce(max(position), 0) + 1 FROM rules)), $1, refs.org_unit_id, $3,
       refs.employee_id, $5, refs.category_id, $7, $8, refs.schedule_id, $10, $11, $13
  FROM refs
 WHERE ($2::text IS NULL OR refs.org_unit_id IS NOT NULL)
   AND ($4::text IS NULL OR refs.employee_id IS NOT NULL)
   AND ($6::text IS NULL OR refs.category_id IS NOT NULL)
   AND ($9::text IS NULL OR refs.schedule_id IS NOT NULL)
RETURNING id;

-- name: rule_list
-- Every rule in order, with names instead of ids. No parameters.
SELECT r.id, r.position, r.enabled, r.scope, o.code AS org, r.role, e.username AS employee, r.match,
       c.slug AS category, r.pattern, r.action, s.name AS schedule, r.expires_at, r.note, r.created_by
  FROM rules r
  LEFT JOIN org_units o ON o.id = r.org_unit_id
  LEFT JOIN employees e ON e.id = r.employee_id
  LEFT JOIN categories c ON c.id = r.category_id
  LEFT JOIN schedules s ON s.id = r.schedule_id
 ORDER BY r.position, r.id;

-- name: rule_set_enabled
-- Enables or disables a rule. $1 id, $2 enabled. Returns id (no row when unknown).
UPDATE rules SET enabled = $2 WHERE id = $1 RETURNING id;

-- name: rule_order_for_update
-- Every rule's id and position in order, locked until the transaction ends so that two moves at once
-- do not read the same order. No parameters.
SELECT id, position FROM rules ORDER BY position, id FOR UPDATE;

-- name: rule_set_positions
-- New positions in one statement (one NOTIFY, one proxy reload). $1 ids, $2 their positions.
UPDATE rules SET position = p.position
  FROM unnest($1::integer[], $2::integer[]) AS p (id, position)
 WHERE rules.id = p.id;

-- name: rule_delete
-- Deletes a rule. $1 id. Returns id (no row when unknown).
DELETE FROM rules WHERE id = $1 RETURNING id;
