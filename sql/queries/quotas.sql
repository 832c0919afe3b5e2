-- Byte quotas for the portal and the command line: add, list, remove, and the use of each in its period.
-- The proxies read quotas through quota_use.sql and follow changes through NOTIFY quotas_changed.

-- name: employee_id
-- An employee's id by username. $1 username.
SELECT id FROM employees WHERE username = $1;

-- name: org_id
-- An OPD's id by code. $1 code.
SELECT id FROM org_units WHERE code = $1;

-- name: category_exists
-- Whether a category exists. $1 slug.
SELECT EXISTS (SELECT 1 FROM categories WHERE slug = $1);

-- name: quotas_lock
-- Serialises adding quotas, so that two admins cannot add the same quota at once (readers, the proxies
-- among them, are not held up). No parameters.
LOCK TABLE quotas IN SHARE ROW EXCLUSIVE MODE;

-- name: quota_same
-- The quota with the same target and period, if one exists. $1 scope, $2 employee id, $3 OPD id,
-- $4 category slug (each NULL when not part of the target), $5 period.
SELECT id FROM quotas
 WHERE scope = $1 AND employee_id IS NOT DISTINCT FROM $2 AND org_unit_id IS NOT DISTINCT FROM $3
   AND category IS NOT DISTINCT FROM $4 AND period = $5;

-- name: quota_insert
-- Adds a quota. $1 scope, $2 employee id, $3 OPD id, $4 category slug (NULL when not part of the
-- target), $5 period, $6 limit in bytes, $7 note, $8 who. Returns the id.
INSERT INTO quotas (scope, employee_id, org_unit_id, category, period, limit_bytes, note, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id;

-- name: quota_list
-- Every quota with its target's names, in the order they were added. No parameters.
SELECT q.id, q.scope, q.period, q.limit_bytes, q.note, q.created_by, q.created_at,
       e.username AS employee, coalesce(e.full_name, '') AS employee_name,
       o.code AS org, coalesce(o.name, '') AS org_name, q.category,
       coalesce(c.name_id, '') AS category_name_id, coalesce(c.name_en, '') AS category_name_en
  FROM quotas q
  LEFT JOIN employees e ON e.id = q.employee_id
  LEFT JOIN org_units o ON o.id = q.org_unit_id
  LEFT JOIN categories c ON c.slug = q.category
 ORDER BY q.id;

-- name: quota_delete
-- Removes a quota. $1 id. Returns its id (no row when there is none).
DELETE FROM quotas WHERE id = $1 RETURNING id;

-- name: quota_use
-- What every quota's subjects have used in the quota's current period, from the daily totals. $1 periods
-- (text[]), $2 their first local days (date[]), $3 the local days the next periods begin (date[]), in the
-- same order. An employee quota counts all the employee's bytes; an OPD quota the bytes of usage rows of
-- the OPD and the OPDs under it (the OPD at the time of use), together; a category quota one category's
-- bytes per employee: one named employee (listed even at zero), or everyone (the employees of an OPD and
-- the OPDs under it, when narrowed to an OPD) who used some. Not signed in (employee 0) is nobody's.
WITH RECURSIVE
periods (period, starts, ends) AS (SELECT * FROM unnest($1::text[], $2::date[], $3::date[])),
subtree (root, id) AS (
    SELECT id, id FROM org_units
    UNION  -- not ALL: a loop in parent_id ends instead of recursing forever
    SELECT s.root, o.id FROM org_units o JOIN subtree s ON o.parent_id = s.id
),
q AS (
    SELECT q.id, q.scope, q.employee_id, q.org_unit_id, q.category, p.starts, p.ends
      FROM quotas q JOIN periods p ON p.period = q.period
),
uses (quota_id, employee_id, org_unit_id, used) AS (
    SELECT q.id, q.employee_id, NULL::integer,
           (SELECT coalesce(sum(t.bytes_up + t.bytes_down), 0)::bigint FROM usage_daily_totals t
             WHERE t.employee_id = q.employee_id AND t.day >= q.starts AND t.day < q.ends
               AND (q.scope = 'employee' OR t.category = q.category))
      FROM q WHERE q.employee_id IS NOT NULL
    UNION ALL
    SELECT q.id, NULL, q.org_unit_id,
           (SELECT coalesce(sum(t.bytes_up + t.bytes_down), 0)::bigint
              FROM usage_daily_totals t JOIN subtree s ON s.id = t.org_unit_id
             WHERE s.root = q.org_unit_id AND t.employee_id <> 0 AND t.day >= q.starts AND t.day < q.ends)
      FROM q WHERE q.scope = 'org'
    UNION ALL
    SELECT q.id, t.employee_id, NULL, sum(t.bytes_up + t.bytes_down)::bigint
      FROM q
      JOIN usage_daily_totals t ON t.category = q.category AND t.day >= q.starts AND t.day < q.ends
      JOIN employees e ON e.id = t.employee_id
     WHERE q.scope = 'category' AND q.employee_id IS NULL
       AND (q.org_unit_id IS NULL
            OR e.org_unit_id IN (SELECT s.id FROM subtree s WHERE s.root = q.org_unit_id))
     GROUP BY q.id, t.employee_id
    HAVING sum(t.bytes_up + t.bytes_down) > 0
)
SELECT u.quota_id, u.used, e.username AS employee, coalesce(e.full_name, '') AS employee_name,
       o.code AS org, coalesce(o.name, '') AS org_name
  FROM uses u
  LEFT JOIN employees e ON e.id = u.employee_id
  LEFT JOIN org_units o ON o.id = u.org_unit_id
 ORDER BY u.quota_id, u.used DESC, e.username, o.code;

-- name: quota_use_of_employee
-- Every quota that applies to one employee, with its use in the quota's current period: the employee's own
-- bytes, or the OPD's shared bytes for an OPD quota (the employee's current OPD is the quota's OPD or
-- under it). $1 employee id; $2, $3, $4 the periods, first days and next periods' first days, as in
-- quota_use.
WITH RECURSIVE
periods (period, starts, ends) AS (SELECT * FROM unnest($2::text[], $3::date[], $4::date[])),
subtree (root, id) AS (
    SELECT id, id FROM org_units
    UNION  -- not ALL: a loop in parent_id ends instead of recursing forever
    SELECT s.root, o.id FROM org_units o JOIN subtree s ON o.parent_id = s.id
),
me AS (SELECT id, username, full_name, org_unit_id FROM employees WHERE id = $1),
q AS (
    SELECT q.id, q.scope, q.org_unit_id, q.category, p.starts, p.ends
      FROM quotas q JOIN periods p ON p.period = q.period, me
     WHERE CASE q.scope
             WHEN 'employee' THEN q.employee_id = me.id
             WHEN 'org' THEN me.org_unit_id IN (SELECT s.id FROM subtree s WHERE s.root = q.org_unit_id)
             ELSE (q.employee_id IS NULL OR q.employee_id = me.id)
                  AND (q.org_unit_id IS NULL
                       OR me.org_unit_id IN (SELECT s.id FROM subtree s WHERE s.root = q.org_unit_id))
           END
)
SELECT q.id AS quota_id,
       CASE WHEN q.scope = 'org' THEN
           (SELECT coalesce(sum(t.bytes_up + t.bytes_down), 0)::bigint
              FROM usage_daily_totals t JOIN subtree s ON s.id = t.org_unit_id
             WHERE s.root = q.org_unit_id AND t.employee_id <> 0 AND t.day >= q.starts AND t.day < q.ends)
       ELSE
           (SELECT coalesce(sum(t.bytes_up + t.bytes_down), 0)::bigint FROM usage_daily_totals t
             WHERE t.employee_id = me.id AND t.day >= q.starts AND t.day < q.ends
               AND (q.scope = 'employee' OR t.category = q.category))
       END AS used,
       CASE WHEN q.scope = 'org' THEN NULL ELSE me.username END AS employee,
       CASE WHEN q.scope = 'org' THEN '' ELSE me.full_name END AS employee_name,
       o.code AS org, coalesce(o.name, '') AS org_name
  FROM q CROSS JOIN me
  LEFT JOIN org_units o ON o.id = q.org_unit_id AND q.scope = 'org'
 ORDER BY q.id;

-- name: form_choices
-- The categories and OPDs the portal's quota form offers. No parameters.
SELECT 'category' AS kind, slug AS value, name_id, name_en FROM categories
UNION ALL
SELECT 'org', code, name, name FROM org_units
ORDER BY kind, value;
