-- The national reference codes (Kemendagri regions of Kota Semarang) synced from admin/samawa/data/.

-- name: reference_codes_exists
-- True once the SAMAWA migration has created the table (sync runs after every migrate). No parameters.
SELECT to_regclass('reference_codes') IS NOT NULL;

-- name: upsert_reference_codes
-- Inserts or updates the shipped codes; a row already equal is left alone, so a re-run writes nothing.
-- $1 table names (text[]), $2 codes (text[]), $3 names (text[]), $4 parent codes (text[]), same length.
INSERT INTO reference_codes (table_name, code, name, parent_code)
SELECT t, c, n, p FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS s (t, c, n, p)
ON CONFLICT (table_name, code) DO UPDATE
   SET name = EXCLUDED.name, parent_code = EXCLUDED.parent_code
 WHERE (reference_codes.name, reference_codes.parent_code)
       IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.parent_code);

-- name: delete_stale_reference_codes
-- Removes codes of the synced tables that the data file no longer has.
-- $1 the synced table names (text[]), $2 table names (text[]) and $3 codes (text[]) of the shipped rows.
DELETE FROM reference_codes r
 WHERE r.table_name = ANY ($1::text[])
   AND NOT EXISTS (SELECT 1 FROM unnest($2::text[], $3::text[]) AS s (t, c)
                    WHERE s.t = r.table_name AND s.c = r.code);

-- name: reference_codes
-- Every reference code, for validation (admin.samawa.table_schema.references_from_rows). No parameters.
SELECT table_name, code, name, parent_code FROM reference_codes ORDER BY table_name, code;
