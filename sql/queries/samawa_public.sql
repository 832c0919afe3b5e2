-- SAMAWA for citizens: the catalog, a published dataset, its versions and its rows. Every query sees only
-- datasets classified `publik` with a published version (current_version); `terbatas` and `rahasia` never.
-- The fingerprint (md5 of what shapes a public answer: suppression and current version) lets the data
-- endpoint keep a dataset's description in memory and still answer in one query (see data_page).

-- name: dataset_list
-- Published datasets matching every word (title, description, topic, OPD), an OPD code and a topic, newest
-- first. $1 lower-case words (text[], empty: all), $2 OPD code (NULL: any), $3 topic (NULL: any),
-- $4 limit, $5 offset. total is the count of all matches.
SELECT d.id, d.slug, d.title, d.description, d.topic, d.metadata::text AS metadata, d.license,
       d.release_schedule, d.suppression::text AS suppression, d.current_version, d.created_at,
       d.updated_at, o.code AS org_code, o.name AS org_name, v.published_at, v.row_count, v.sha256,
       v.schema::text AS schema,
       md5(coalesce(d.suppression::text, '') || ':' || d.current_version) AS fingerprint,
       count(*) OVER () AS total
  FROM datasets d
  JOIN org_units o ON o.id = d.org_unit_id
  JOIN dataset_versions v ON v.dataset_id = d.id AND v.version = d.current_version
 WHERE d.classification = 'publik'
   AND ($2::text IS NULL OR lower(o.code) = lower($2))
   AND ($3::text IS NULL OR lower(d.topic) = lower($3))
   AND NOT EXISTS (
       SELECT 1 FROM unnest($1::text[]) AS w(word)
        WHERE strpos(lower(d.title || ' ' || d.description || ' ' || d.topic || ' ' || o.code || ' ' || o.name),
                     w.word) = 0)
 ORDER BY v.published_at DESC, d.slug
 LIMIT $4 OFFSET $5;

-- name: dataset_get
-- One published dataset by slug, with its current version. $1 slug.
SELECT d.id, d.slug, d.title, d.description, d.topic, d.metadata::text AS metadata, d.license,
       d.release_schedule, d.suppression::text AS suppression, d.current_version, d.created_at,
       d.updated_at, o.code AS org_code, o.name AS org_name, v.published_at, v.row_count, v.sha256,
       v.schema::text AS schema,
       md5(coalesce(d.suppression::text, '') || ':' || d.current_version) AS fingerprint,
       1::bigint AS total
  FROM datasets d
  JOIN org_units o ON o.id = d.org_unit_id
  JOIN dataset_versions v ON v.dataset_id = d.id AND v.version = d.current_version
 WHERE d.slug = $1 AND d.classification = 'publik';

-- name: version_list
-- The published versions of a dataset up to its current one, newest first. $1 dataset id, $2 current version.
SELECT version, published_at, row_count, sha256
  FROM dataset_versions
 WHERE dataset_id = $1 AND version <= $2
 ORDER BY version DESC;

-- name: version_get
-- One published version (not newer than the current one) with its schema. $1 dataset id, $2 version,
-- $3 current version.
SELECT version, published_at, row_count, sha256, schema::text AS schema
  FROM dataset_versions
 WHERE dataset_id = $1 AND version = $2 AND version <= $3;

-- name: version_rows
-- All rows of a version in their order, as one JSON array. $1 dataset id, $2 version.
SELECT coalesce(jsonb_agg(data ORDER BY row_number), '[]'::jsonb)::text
  FROM dataset_rows
 WHERE dataset_id = $1 AND version = $2;

-- name: data_rows
-- Rows of the current version of a published dataset by number, with whether the dataset is still what its
-- fingerprint says (fresh is false when it is gone, no longer `publik`, or changed: the caller reads it
-- again). $1 slug, $2 fingerprint, $3 version, $4 row numbers (int[]). rows: a JSON array of
-- [row_number, data], in no particular order.
WITH d AS (
    SELECT ds.id
      FROM datasets ds
     WHERE ds.slug = $1 AND ds.classification = 'publik' AND ds.current_version = $3
       AND md5(coalesce(ds.suppression::text, '') || ':' || ds.current_version) = $2
)
SELECT EXISTS (SELECT 1 FROM d) AS fresh,
       (SELECT coalesce(jsonb_agg(jsonb_build_array(r.row_number, r.data)), '[]'::jsonb)
          FROM dataset_rows r
         WHERE r.dataset_id = (SELECT id FROM d) AND r.version = $3 AND r.row_number = ANY ($4::int[]))::text
       AS rows;

-- name: data_matches
-- The numbers of the rows of a version matching equality filters and a free text, in row order (kept by
-- admin/samawa/row_orders.py: a version never changes). $1 dataset id, $2 version, $3 equality filters
-- (jsonb object), $4 free text (NULL: none), $5 fields the text may match (text[]).
SELECT r.row_number FROM dataset_rows r
 WHERE r.dataset_id = $1 AND r.version = $2 AND r.data @> $3::jsonb
   AND ($4::text IS NULL OR EXISTS (
       SELECT 1 FROM jsonb_each_text(r.data) e WHERE e.key = ANY ($5::text[]) AND strpos(lower(e.value), lower($4)) > 0))
 ORDER BY r.row_number;

-- name: data_matches_asc
-- As data_matches, sorted by one field ascending (jsonb order: numbers by value, text by collation), then
-- row order; only the numbers and the key are sorted, never whole rows. $1..$5 as data_matches, $6 the
-- sort field's name (a parameter, never SQL text).
SELECT r.row_number FROM dataset_rows r
 WHERE r.dataset_id = $1 AND r.version = $2 AND r.data @> $3::jsonb
   AND ($4::text IS NULL OR EXISTS (
       SELECT 1 FROM jsonb_each_text(r.data) e WHERE e.key = ANY ($5::text[]) AND strpos(lower(e.value), lower($4)) > 0))
 ORDER BY r.data -> $6::text ASC NULLS LAST, r.row_number;

-- name: data_matches_desc
-- As data_matches_asc, descending. $1..$6 as data_matches_asc.
SELECT r.row_number FROM dataset_rows r
 WHERE r.dataset_id = $1 AND r.version = $2 AND r.data @> $3::jsonb
   AND ($4::text IS NULL OR EXISTS (
       SELECT 1 FROM jsonb_each_text(r.data) e WHERE e.key = ANY ($5::text[]) AND strpos(lower(e.value), lower($4)) > 0))
 ORDER BY r.data -> $6::text DESC NULLS LAST, r.row_number;

-- name: organization_list
-- OPDs with at least one published dataset, and how many. No parameters.
SELECT o.id, o.code, o.name, count(*) AS dataset_count
  FROM datasets d
  JOIN org_units o ON o.id = d.org_unit_id
 WHERE d.classification = 'publik' AND d.current_version IS NOT NULL
 GROUP BY o.id, o.code, o.name
 ORDER BY o.code;

-- name: topic_list
-- Topics of published datasets, for the catalog's choice. No parameters.
SELECT DISTINCT topic
  FROM datasets
 WHERE classification = 'publik' AND current_version IS NOT NULL AND topic <> ''
 ORDER BY topic;

-- name: reference_codes
-- Codes and names of one reference table (wilayah_kecamatan, wilayah_kelurahan). $1 table name.
SELECT code, name, parent_code
  FROM reference_codes
 WHERE table_name = $1
 ORDER BY code;
