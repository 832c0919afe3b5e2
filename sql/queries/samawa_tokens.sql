-- SAMAWA signing keys, API tokens and their uses (admin/samawa/signing_keys.py, tokens.py, token_store.py).

-- name: key_current
-- The key that signs now (at most one).
SELECT kid, public_key, created_at FROM api_signing_keys WHERE retired_at IS NULL

-- name: key_add
-- $1 kid, $2 raw public key. Nothing is inserted (NULL returned) when another process has just added the
-- current key: the unique index allows one unretired key.
INSERT INTO api_signing_keys (kid, public_key) VALUES ($1, $2)
ON CONFLICT DO NOTHING
RETURNING kid

-- name: key_retire_current
-- Retire the signing key; it still verifies the tokens and receipts it signed. Returns its kid.
UPDATE api_signing_keys SET retired_at = now() WHERE retired_at IS NULL RETURNING kid

-- name: key_public
-- $1 kid: the raw public key, retired or not.
SELECT public_key FROM api_signing_keys WHERE kid = $1

-- name: key_all
-- Every key, newest first.
SELECT kid, public_key, created_at, retired_at FROM api_signing_keys ORDER BY created_at DESC, kid

-- name: rotation_lock
-- Serialises key creation and rotation between processes (portal, CLI) for one transaction.
SELECT pg_advisory_xact_lock(hashtext('samawa_signing_key'))

-- name: org_by_code
-- $1 OPD code.
SELECT id, code, name FROM org_units WHERE code = $1

-- name: datasets_by_slugs
-- $1 slugs: the datasets that exist among them, with their producer OPD.
SELECT d.slug, d.org_unit_id, o.code AS org_code
FROM datasets d JOIN org_units o ON o.id = d.org_unit_id
WHERE d.slug = ANY($1::text[])

-- name: dataset_producer
-- $1 slug: the producer OPD of one dataset.
SELECT d.id, d.org_unit_id, o.code AS org_code
FROM datasets d JOIN org_units o ON o.id = d.org_unit_id
WHERE d.slug = $1

-- name: token_add
-- $1 jti, $2 kid, $3 org_unit_id, $4 datasets, $5 actions, $6 note, $7 issued_at, $8 expires_at, $9 issued_by
INSERT INTO api_tokens (jti, kid, org_unit_id, datasets, actions, note, issued_at, expires_at, issued_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)

-- name: token_state
-- $1 jti: what authenticate checks beyond the signature.
SELECT t.kid, t.org_unit_id, o.code AS org_code, t.revoked_at, t.expires_at
FROM api_tokens t JOIN org_units o ON o.id = t.org_unit_id
WHERE t.jti = $1

-- name: token_list
-- $1 OPD code or NULL for all, $2 the most rows. Newest first, with the count and time of uses.
SELECT t.jti, t.kid, o.code AS org_code, o.name AS org_name, t.datasets, t.actions, t.note, t.issued_at,
       t.expires_at, t.issued_by, t.revoked_at, t.revoked_by,
       (SELECT count(*) FROM api_token_uses u WHERE u.jti = t.jti) AS use_count,
       (SELECT max(u.at) FROM api_token_uses u WHERE u.jti = t.jti) AS last_used_at
FROM api_tokens t JOIN org_units o ON o.id = t.org_unit_id
WHERE $1::text IS NULL OR o.code = $1
ORDER BY t.issued_at DESC, t.jti
LIMIT $2

-- name: token_get
-- $1 jti
SELECT t.jti, t.kid, o.code AS org_code, o.name AS org_name, t.datasets, t.actions, t.note, t.issued_at,
       t.expires_at, t.issued_by, t.revoked_at, t.revoked_by,
       (SELECT count(*) FROM api_token_uses u WHERE u.jti = t.jti) AS use_count,
       (SELECT max(u.at) FROM api_token_uses u WHERE u.jti = t.jti) AS last_used_at
FROM api_tokens t JOIN org_units o ON o.id = t.org_unit_id
WHERE t.jti = $1

-- name: token_revoke
-- $1 jti, $2 who. Returns nothing when the token is unknown or already revoked.
UPDATE api_tokens SET revoked_at = now(), revoked_by = $2
WHERE jti = $1 AND revoked_at IS NULL
RETURNING revoked_at

-- name: use_add
-- $1 jti (NULL: the token could not be trusted), $2 client IP, $3 dataset slug, $4 outcome
INSERT INTO api_token_uses (jti, ip, dataset, outcome) VALUES ($1, $2::inet, $3, $4)

-- name: uses_of
-- $1 jti, $2 the most rows: newest first.
SELECT at, host(ip) AS ip, dataset, outcome FROM api_token_uses WHERE jti = $1 ORDER BY at DESC, id DESC LIMIT $2

-- name: form_orgs
-- The OPDs that produce at least one dataset, for the issue form.
SELECT o.code, o.name FROM org_units o WHERE EXISTS (SELECT 1 FROM datasets d WHERE d.org_unit_id = o.id)
ORDER BY o.code

-- name: form_datasets
-- Every dataset with its producer OPD, for the issue form.
SELECT d.slug, d.title, o.code AS org_code
FROM datasets d JOIN org_units o ON o.id = d.org_unit_id
ORDER BY o.code, d.slug
