-- Who may read whose usage: the OPDs below an OPD.

-- name: org_subtree
-- An OPD and every OPD below it. $1 the OPD's id.
WITH RECURSIVE subtree (id) AS (
    SELECT id FROM org_units WHERE id = $1
    UNION  -- not ALL: a loop in parent_id ends instead of recursing forever
    SELECT o.id FROM org_units o JOIN subtree s ON o.parent_id = s.id
)
SELECT id FROM subtree;
