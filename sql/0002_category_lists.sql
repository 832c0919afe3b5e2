-- Categories get versioned lists: an import adds a new version and activates it in one transaction,
-- the previous version stays for a rollback. Replaces category_domains from 0001 (never filled).

DROP TABLE category_domains;

CREATE TABLE category_lists (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    category_id  integer NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    source       text NOT NULL,              -- file or folder name as given to the import
    format       text NOT NULL CHECK (format IN ('domains', 'hosts', 'adblock', 'ut1', 'seed')),
    imported_at  timestamptz NOT NULL DEFAULT now(),
    imported_by  text NOT NULL,
    domains      integer NOT NULL,
    urls         integer NOT NULL DEFAULT 0,
    duplicates   integer NOT NULL DEFAULT 0,
    invalid      integer NOT NULL DEFAULT 0,
    unsupported  integer NOT NULL DEFAULT 0,
    active       boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX category_lists_one_active ON category_lists (category_id) WHERE active;

CREATE TABLE list_domains (
    list_id bigint NOT NULL REFERENCES category_lists (id) ON DELETE CASCADE,
    domain  text NOT NULL
);
CREATE INDEX list_domains_list ON list_domains (list_id);
CREATE INDEX list_domains_domain ON list_domains (domain);

CREATE TABLE list_urls (
    list_id bigint NOT NULL REFERENCES category_lists (id) ON DELETE CASCADE,
    url     text NOT NULL               -- host/path, host normalised
);
CREATE INDEX list_urls_list ON list_urls (list_id);

CREATE TRIGGER category_lists_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON category_lists
    FOR EACH STATEMENT EXECUTE FUNCTION notify_policy_changed();
CREATE TRIGGER categories_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON categories
    FOR EACH STATEMENT EXECUTE FUNCTION notify_policy_changed();

INSERT INTO categories (slug, name_id, name_en, default_action) VALUES
    ('judi',         'Perjudian',                'Gambling',                 'block'),
    ('pornografi',   'Pornografi',               'Pornography',              'block'),
    ('malware',      'Malware & phishing',       'Malware & phishing',       'block'),
    ('media-sosial', 'Media sosial',             'Social media',             'allow'),
    ('streaming',    'Streaming video',          'Video streaming',          'allow'),
    ('game-online',  'Game online',              'Online games',             'allow'),
    ('berbagi-file', 'Berbagi file',             'File sharing',             'allow'),
    ('bypass',       'Proxy, VPN & DoH',         'Proxy, VPN & DoH',         'block'),
    ('perbankan',    'Perbankan & keuangan',     'Banking & finance',        'passthrough'),
    ('kesehatan',    'Kesehatan',                'Health',                   'passthrough'),
    ('pemerintahan', 'Pemerintahan',             'Government',               'allow');

-- Government: every *.go.id and the city's own domains, as a first list an import can replace.
WITH seed AS (
    INSERT INTO category_lists (category_id, source, format, imported_by, domains, active)
    SELECT id, 'bawaan (seed)', 'seed', 'system', 2, true FROM categories WHERE slug = 'pemerintahan'
    RETURNING id
)
INSERT INTO list_domains (list_id, domain)
SELECT seed.id, d FROM seed, unnest(ARRAY['go.id', 'semarangkota.go.id']) d;

-- The proxy's domain index keeps a domain's categories as one 64-bit mask, bit = category id.
ALTER TABLE categories ADD CONSTRAINT categories_id_fits_mask CHECK (id BETWEEN 1 AND 63);

-- The payload names the table, so a proxy rebuilds its domain index only when a list changed.
CREATE OR REPLACE FUNCTION notify_policy_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('policy_changed', TG_TABLE_NAME);
    RETURN NULL;
END $$;
