-- SAMAWA datasets, submissions, review and versions (admin/samawa/datasets.py and submission_store.py).
-- The public pages read through samawa_public.sql.

-- name: org_by_code
-- An OPD by code. $1 code.
SELECT id, code, name FROM org_units WHERE code = $1;

-- name: org_list
-- Every OPD (code, name), by code, for the dataset form. No parameters.
SELECT code, name FROM org_units ORDER BY code;

-- name: dataset_insert
-- Defines a dataset. $1 slug, $2 title, $3 description, $4 OPD id, $5 topic, $6 classification,
-- $7 metadata (jsonb text), $8 license, $9 release schedule, $10 schema (jsonb text), $11 suppression
-- (jsonb text or NULL), $12 who. Returns the id.
INSERT INTO datasets (slug, title, description, org_unit_id, topic, classification, metadata, license,
                      release_schedule, schema, suppression, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10::jsonb, $11::jsonb, $12)
RETURNING id;

-- name: dataset_update
-- Changes a dataset's description and schema (published versions keep the schema they were checked
-- against). $1 id, $2 title, $3 description, $4 topic, $5 classification, $6 metadata (jsonb text),
-- $7 license, $8 release schedule, $9 schema (jsonb text), $10 suppression (jsonb text or NULL).
UPDATE datasets
   SET title = $2, description = $3, topic = $4, classification = $5, metadata = $6::jsonb, license = $7,
       release_schedule = $8, schema = $9::jsonb, suppression = $10::jsonb, updated_at = now()
 WHERE id = $1;

-- name: dataset_by_slug
-- A dataset with its OPD, and its submissions waiting for review. $1 slug.
SELECT d.id, d.slug, d.title, d.description, d.org_unit_id, o.code AS org_code, o.name AS org_name,
       d.topic, d.classification, d.metadata::text AS metadata, d.license, d.release_schedule,
       d.schema::text AS schema, d.suppression::text AS suppression, d.current_version,
       d.created_at, d.created_by, d.updated_at,
       (SELECT count(*) FROM dataset_submissions s
         WHERE s.dataset_id = d.id AND s.status = 'submitted') AS pending
  FROM datasets d JOIN org_units o ON o.id = d.org_unit_id
 WHERE d.slug = $1;

-- name: dataset_list
-- Every dataset with its OPD, by slug; only those of the given OPDs when $1 is not NULL. $1 OPD ids (int[]).
SELECT d.id, d.slug, d.title, d.description, d.org_unit_id, o.code AS org_code, o.name AS org_name,
       d.topic, d.classification, d.metadata::text AS metadata, d.license, d.release_schedule,
       d.schema::text AS schema, d.suppression::text AS suppression, d.current_version,
       d.created_at, d.created_by, d.updated_at,
       (SELECT count(*) FROM dataset_submissions s
         WHERE s.dataset_id = d.id AND s.status = 'submitted') AS pending
  FROM datasets d JOIN org_units o ON o.id = d.org_unit_id
 WHERE $1::int[] IS NULL OR d.org_unit_id = ANY ($1::int[])
 ORDER BY d.slug;

-- name: dataset_lock
-- Holds a dataset while a version is published, so two approvals cannot both become version N.
-- $1 id. Returns its current version.
SELECT current_version FROM datasets WHERE id = $1 FOR UPDATE;

-- name: dataset_set_current_version
-- $1 id, $2 version.
UPDATE datasets SET current_version = $2, updated_at = now() WHERE id = $1;

-- name: reference_codes_all
-- Every reference code, for foreign keys of a schema. No parameters.
SELECT table_name, code, name, parent_code FROM reference_codes ORDER BY table_name, code;

-- name: submission_by_idempotency
-- An OPD's earlier submission sent with the same Idempotency-Key. $1 OPD id, $2 key.
SELECT s.id, s.dataset_id, d.slug, s.mode, s.sha256, s.row_count, s.received_at, s.receipt
  FROM dataset_submissions s JOIN datasets d ON d.id = s.dataset_id
 WHERE s.org_unit_id = $1 AND s.idempotency_key = $2;

-- name: submission_insert
-- Stores a valid submission. $1 dataset id, $2 OPD id, $3 token jti (NULL: command line), $4 mode,
-- $5 SHA-256 of the body, $6 row count, $7 typed rows (jsonb text), $8 Idempotency-Key or NULL.
-- Returns id and received_at.
INSERT INTO dataset_submissions (dataset_id, org_unit_id, jti, mode, sha256, row_count, rows, idempotency_key)
VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)
RETURNING id, received_at;

-- name: submission_set_receipt
-- $1 id, $2 the signed receipt.
UPDATE dataset_submissions SET receipt = $2 WHERE id = $1;

-- name: submission_get
-- One submission of a dataset, without its rows. $1 dataset id, $2 submission id.
SELECT s.id, s.dataset_id, o.code AS org_code, s.jti, s.mode, s.status, s.sha256, s.row_count,
       s.idempotency_key, s.receipt, s.received_at, s.review_note, s.reviewed_by, s.reviewed_at, s.version
  FROM dataset_submissions s JOIN org_units o ON o.id = s.org_unit_id
 WHERE s.dataset_id = $1 AND s.id = $2;

-- name: submission_list
-- A dataset's submissions, newest first, without their rows. $1 dataset id.
SELECT s.id, s.dataset_id, o.code AS org_code, s.jti, s.mode, s.status, s.sha256, s.row_count,
       s.idempotency_key, s.receipt, s.received_at, s.review_note, s.reviewed_by, s.reviewed_at, s.version
  FROM dataset_submissions s JOIN org_units o ON o.id = s.org_unit_id
 WHERE s.dataset_id = $1
 ORDER BY s.id DESC;

-- name: submission_lock
-- Holds a submission while it is reviewed. $1 dataset id, $2 submission id. Returns its state and rows.
SELECT id, mode, status, version, reviewed_by, reviewed_at, rows::text AS rows
  FROM dataset_submissions
 WHERE dataset_id = $1 AND id = $2
   FOR UPDATE;

-- name: submission_rows
-- A submission's typed rows (jsonb text). $1 dataset id, $2 submission id.
SELECT rows::text FROM dataset_submissions WHERE dataset_id = $1 AND id = $2;

-- name: submission_approve
-- $1 id, $2 who, $3 the version it became.
UPDATE dataset_submissions
   SET status = 'approved', reviewed_by = $2, reviewed_at = now(), version = $3
 WHERE id = $1 AND status = 'submitted';

-- name: submission_return
-- $1 id, $2 who, $3 the Walidata's note.
UPDATE dataset_submissions
   SET status = 'returned', reviewed_by = $2, reviewed_at = now(), review_note = $3
 WHERE id = $1 AND status = 'submitted';

-- name: version_next
-- The number the next version of a dataset gets. $1 dataset id.
SELECT coalesce(max(version), 0) + 1 FROM dataset_versions WHERE dataset_id = $1;

-- name: version_insert
-- Publishes a version (its rows follow by COPY). $1 dataset id, $2 version, $3 submission id, $4 row count,
-- $5 SHA-256 of the canonical CSV, $6 schema (jsonb text), $7 who. Returns published_at.
INSERT INTO dataset_versions (dataset_id, version, submission_id, row_count, sha256, schema, published_by)
VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)
RETURNING published_at;

-- name: version_list
-- A dataset's versions, newest first. $1 dataset id.
SELECT version, submission_id, row_count, sha256, schema::text AS schema, published_at, published_by
  FROM dataset_versions
 WHERE dataset_id = $1
 ORDER BY version DESC;

-- name: version_get
-- One version of a dataset. $1 dataset id, $2 version.
SELECT version, submission_id, row_count, sha256, schema::text AS schema, published_at, published_by
  FROM dataset_versions
 WHERE dataset_id = $1 AND version = $2;

-- name: version_rows
-- A version's rows in order (jsonb text each). $1 dataset id, $2 version.
SELECT data::text FROM dataset_rows WHERE dataset_id = $1 AND version = $2 ORDER BY row_number;
