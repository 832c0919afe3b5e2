-- SAMAWA (Semua Data untuk Warga): datasets defined by the Walidata, reference codes, signed API tokens
-- for the OPDs, submissions with their validation reports, and immutable published versions.

-- National reference codes a dataset field can be constrained to (Kemendagri region codes of Kota
-- Semarang, from admin/samawa/data/). Filled from the data file by `smedi db migrate` (idempotent).
CREATE TABLE reference_codes (
    table_name  text NOT NULL,                    -- e.g. wilayah_kecamatan, wilayah_kelurahan
    code        text NOT NULL,                    -- e.g. 33.74.01, 33.74.01.1001
    name        text NOT NULL,
    parent_code text,                             -- the kecamatan of a kelurahan
    PRIMARY KEY (table_name, code)
);

CREATE TABLE datasets (
    id              integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug            text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,79}$'),
    title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description     text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    org_unit_id     integer NOT NULL REFERENCES org_units (id),     -- the producer OPD (Produsen Data)
    topic           text NOT NULL DEFAULT '' CHECK (length(topic) <= 100),
    classification  text NOT NULL DEFAULT 'publik' CHECK (classification IN ('publik', 'terbatas', 'rahasia')),
    -- Satu Data metadata: konsep, definisi, klasifikasi, ukuran, satuan, frekuensi, sumber,
    -- penanggung_jawab, tingkat_wilayah (admin/samawa/metadata.py names them)
    metadata        jsonb NOT NULL DEFAULT '{}',
    license         text NOT NULL DEFAULT 'CC-BY-4.0',
    release_schedule text NOT NULL DEFAULT '' CHECK (length(release_schedule) <= 200),
    schema          jsonb NOT NULL,               -- a Frictionless Table Schema (admin/samawa/table_schema.py)
    suppression     jsonb,                        -- {"fields": [...], "below": 5}: small cells hidden in public
    current_version integer,                      -- the published version citizens see; NULL: none yet
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      text NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX datasets_org ON datasets (org_unit_id);

-- Ed25519 keys that sign API tokens and receipts. Only the public half is stored here; the private
-- half is a 0600 file under SMEDI_HOME/keys/samawa/<kid>.pem. Rotation adds a key and retires the old
-- one from signing; a retired key still verifies until the tokens it signed have expired.
CREATE TABLE api_signing_keys (
    kid        text PRIMARY KEY,
    public_key bytea NOT NULL,                    -- raw 32-byte Ed25519 public key
    created_at timestamptz NOT NULL DEFAULT now(),
    retired_at timestamptz                        -- NULL: the current signing key (at most one)
);
CREATE UNIQUE INDEX api_signing_keys_current ON api_signing_keys ((true)) WHERE retired_at IS NULL;

CREATE TABLE api_tokens (
    jti         uuid PRIMARY KEY,
    kid         text NOT NULL REFERENCES api_signing_keys (kid),
    org_unit_id integer NOT NULL REFERENCES org_units (id),   -- `sub`: the OPD the token speaks for
    datasets    text[] NOT NULL,                              -- `scope`: dataset slugs ...
    actions     text[] NOT NULL,                              -- ... and actions (submit, read)
    note        text NOT NULL DEFAULT '' CHECK (length(note) <= 200),
    issued_at   timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL CHECK (expires_at <= issued_at + interval '180 days'),
    issued_by   text NOT NULL,
    revoked_at  timestamptz,
    revoked_by  text NOT NULL DEFAULT ''
);

-- Every use of a token, accepted or refused: when, from where, for which dataset, and how it ended.
CREATE TABLE api_token_uses (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    jti     uuid,                                 -- NULL when the token could not be read at all
    at      timestamptz NOT NULL DEFAULT now(),
    ip      inet,
    dataset text NOT NULL DEFAULT '',
    outcome text NOT NULL                         -- accepted, invalid, dry_run, refused:<code>, ...
);
CREATE INDEX api_token_uses_jti ON api_token_uses (jti, at);

-- What an OPD sent: the validated rows (typed JSON) and their SHA-256, or the validation report.
-- submitted → approved (published as a version) | returned (with the Walidata's note).
CREATE TABLE dataset_submissions (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dataset_id      integer NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    org_unit_id     integer NOT NULL REFERENCES org_units (id),
    jti             uuid REFERENCES api_tokens (jti),          -- NULL: submitted from the command line
    mode            text NOT NULL CHECK (mode IN ('replace', 'append', 'upsert')),
    status          text NOT NULL DEFAULT 'submitted' CHECK (status IN ('submitted', 'approved', 'returned')),
    sha256          text NOT NULL,                             -- hex digest of the body as received
    row_count       integer NOT NULL,
    rows            jsonb NOT NULL,                            -- the typed rows, in order
    idempotency_key text,
    receipt         text NOT NULL DEFAULT '',                  -- the signed receipt given to the OPD
    received_at     timestamptz NOT NULL DEFAULT now(),
    review_note     text NOT NULL DEFAULT '' CHECK (length(review_note) <= 2000),
    reviewed_by     text NOT NULL DEFAULT '',
    reviewed_at     timestamptz,
    version         integer                                    -- the version it became, once approved
);
CREATE INDEX dataset_submissions_dataset ON dataset_submissions (dataset_id, id);
CREATE UNIQUE INDEX dataset_submissions_idempotency ON dataset_submissions (org_unit_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

-- Published versions: immutable (a trigger refuses UPDATE and DELETE), each with all of its rows.
CREATE TABLE dataset_versions (
    dataset_id    integer NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    version       integer NOT NULL CHECK (version >= 1),
    submission_id bigint NOT NULL REFERENCES dataset_submissions (id),
    row_count     integer NOT NULL,
    sha256        text NOT NULL,                  -- of the version's canonical CSV
    schema        jsonb NOT NULL,                 -- the schema the rows were validated against
    published_at  timestamptz NOT NULL DEFAULT now(),
    published_by  text NOT NULL,
    PRIMARY KEY (dataset_id, version)
);

CREATE TABLE dataset_rows (
    dataset_id integer NOT NULL,
    version    integer NOT NULL,
    row_number integer NOT NULL,                  -- 1-based, the order of the version
    data       jsonb NOT NULL,                    -- field name → typed value
    PRIMARY KEY (dataset_id, version, row_number),
    FOREIGN KEY (dataset_id, version) REFERENCES dataset_versions (dataset_id, version) ON DELETE CASCADE
);

CREATE FUNCTION refuse_version_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'published versions are immutable (%)', TG_TABLE_NAME;
END $$;
CREATE TRIGGER dataset_versions_immutable BEFORE UPDATE OR DELETE ON dataset_versions
    FOR EACH ROW EXECUTE FUNCTION refuse_version_change();
CREATE TRIGGER dataset_rows_immutable BEFORE UPDATE OR DELETE ON dataset_rows
    FOR EACH ROW EXECUTE FUNCTION refuse_version_change();
