-- Usage reports over local days (SMEDI_TZ) from the rollups, never the raw events: usage_daily_totals
-- per employee, OPD and category; usage_hourly for hosts (within the local days' UTC bounds).
-- Every block returns requests, blocked, bytes_up, bytes_down and bytes (up + down), the largest total
-- first, then by the row's key. An id no longer in its table (a deleted employee or OPD) is shown as
-- '#id' rather than merged into the row of nobody or no OPD.

-- name: usage_by_employee_days
-- Totals per employee. $1 first day, $2 last day (dates, both included). Traffic of nobody signed in
-- (employee 0) is one row with username ''. The OPD is the employee's current one: an employee who
-- moved stays one row.
SELECT CASE WHEN u.employee_id = 0 THEN '' ELSE coalesce(e.username, '#' || u.employee_id) END AS username,
       coalesce(e.full_name, '') AS full_name, coalesce(o.code, '') AS org_code,
       sum(u.requests)::bigint AS requests, sum(u.blocked)::bigint AS blocked,
       sum(u.bytes_up)::bigint AS bytes_up, sum(u.bytes_down)::bigint AS bytes_down,
       sum(u.bytes_up + u.bytes_down)::bigint AS bytes
  FROM usage_daily_totals u
  LEFT JOIN employees e ON e.id = u.employee_id
  LEFT JOIN org_units o ON o.id = e.org_unit_id
 WHERE u.day BETWEEN $1 AND $2
 GROUP BY u.employee_id, e.username, e.full_name, o.code
 ORDER BY bytes DESC, username;

-- name: usage_by_org_days
-- Totals per OPD at the time of use (usage_daily_totals.org_unit_id). $1 first day, $2 last day (dates, both
-- included). Traffic with no OPD (org_unit_id 0) is one row with org_code ''.
SELECT CASE WHEN u.org_unit_id = 0 THEN '' ELSE coalesce(o.code, '#' || u.org_unit_id) END AS org_code,
       coalesce(o.name, '') AS org_name,
       sum(u.requests)::bigint AS requests, sum(u.blocked)::bigint AS blocked,
       sum(u.bytes_up)::bigint AS bytes_up, sum(u.bytes_down)::bigint AS bytes_down,
       sum(u.bytes_up + u.bytes_down)::bigint AS bytes
  FROM usage_daily_totals u
  LEFT JOIN org_units o ON o.id = u.org_unit_id
 WHERE u.day BETWEEN $1 AND $2
 GROUP BY u.org_unit_id, o.code, o.name
 ORDER BY bytes DESC, org_code;

-- name: usage_by_host_days
-- Totals per host. $1 start, $2 end (timestamptz: where the first local day starts and the last ends).
SELECT host,
       sum(requests)::bigint AS requests, sum(blocked)::bigint AS blocked,
       sum(bytes_up)::bigint AS bytes_up, sum(bytes_down)::bigint AS bytes_down,
       sum(bytes_up + bytes_down)::bigint AS bytes
  FROM usage_hourly
 WHERE hour >= $1 AND hour < $2
 GROUP BY host
 ORDER BY bytes DESC, host;

-- name: usage_by_category_days
-- Totals per category slug, with its Indonesian and English names when the category exists. $1 first
-- day, $2 last day (dates, both included). Traffic in no category is one row with category ''.
SELECT u.category, coalesce(c.name_id, '') AS name_id, coalesce(c.name_en, '') AS name_en,
       sum(u.requests)::bigint AS requests, sum(u.blocked)::bigint AS blocked,
       sum(u.bytes_up)::bigint AS bytes_up, sum(u.bytes_down)::bigint AS bytes_down,
       sum(u.bytes_up + u.bytes_down)::bigint AS bytes
  FROM usage_daily_totals u
  LEFT JOIN categories c ON c.slug = u.category
 WHERE u.day BETWEEN $1 AND $2
 GROUP BY u.category, c.name_id, c.name_en
 ORDER BY bytes DESC, category;
