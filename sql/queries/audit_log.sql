-- The audit log page: entries filtered by actor, action, target and time, newest first, a page at a time.

-- name: audit_page
-- One page of entries, newest first. $1 actor, $2 action, $3 target (each exact, NULL: any), $4 from,
-- $5 until (timestamptz, until excluded; NULL: open), $6 only entries older than this id (paging; NULL:
-- from the newest), $7 the OPD ids the reader may see (int[]; NULL: the whole city): a reader limited
-- to OPDs sees the entries whose actor or target is an employee of those OPDs, $8 how many.
SELECT a.id, a.at, a.actor, a.action, a.target, a.details::text AS details, host(a.client_ip) AS client_ip
  FROM audit_log a
 WHERE ($1::text IS NULL OR a.actor = $1)
   AND ($2::text IS NULL OR a.action = $2)
   AND ($3::text IS NULL OR a.target = $3)
   AND ($4::timestamptz IS NULL OR a.at >= $4)
   AND ($5::timestamptz IS NULL OR a.at < $5)
   AND ($6::bigint IS NULL OR a.id < $6)
   AND ($7::integer[] IS NULL OR EXISTS (
            SELECT 1 FROM employees e
             WHERE e.org_unit_id = ANY ($7::integer[]) AND e.username IN (a.actor, a.target)))
 ORDER BY a.id DESC
 LIMIT $8;

-- name: audit_actions
-- Every action name in the log, for the filter's choices, by a skip scan of the (action, id) index: one
-- probe per name, not a read of every entry. No parameters.
WITH RECURSIVE names (action) AS (
    (SELECT action FROM audit_log ORDER BY action LIMIT 1)
    UNION ALL
    SELECT (SELECT a.action FROM audit_log a WHERE a.action > n.action ORDER BY a.action LIMIT 1)
      FROM names n WHERE n.action IS NOT NULL
)
SELECT action FROM names WHERE action IS NOT NULL;
