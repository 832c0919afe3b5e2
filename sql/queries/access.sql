-- Who may read whose usage: the OPDs below an OPD.

-- name: org_subtree
-- An OPD and every OPD below it. $1 the OPD's id.
WITH RECURSIVE subtree (id) AS (
    SELECT id FROM org_units WHERE id = $1
    UNION  -- not ALL: a loop in parent_id ends instead of recursing forever
    SELECT o.id FROM org_units o JOIN subtree s ON o.parent_id = s.id
)
SELECT id FROM subtree;

-- name: org_id_by_code
-- The id of an OPD. $1 the OPD's code.
SELECT id FROM org_units WHERE code = $1;

-- name: employee_scope
-- An employee's id, OPD and scope, with the codes. $1 username.
SELECT e.id, e.username, e.full_name, e.org_unit_id, e.scope_org_unit_id,
       coalesce(o.code, '') AS org_code, coalesce(s.code, '') AS scope_code
  FROM employees e
  LEFT JOIN org_units o ON o.id = e.org_unit_id
  LEFT JOIN org_units s ON s.id = e.scope_org_unit_id
 WHERE e.username = $1;

-- name: set_scope
-- Limit an employee's roles to an OPD (and those below it), or to the whole city. $1 employee id,
-- $2 OPD id or NULL (the city).
UPDATE employees SET scope_org_unit_id = $2, updated_at = now() WHERE id = $1;
