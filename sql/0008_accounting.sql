-- Accounting you can stand behind: socket bytes in intervals, replayable batches, daily rollups and
-- quotas.

-- What a usage row is: 'request' (an HTTP request, or a TLS connection relayed or refused before any
-- request), 'interval' (part of a request or tunnel still running: long downloads, streams,
-- WebSockets) or 'connection' (bytes of a connection between its requests: TLS handshakes and closes,
-- the CONNECT). Summing bytes over every row gives exactly what the devices' sockets carried.
ALTER TABLE usage_events ADD COLUMN kind text NOT NULL DEFAULT 'request'
    CHECK (kind IN ('request', 'interval', 'connection'));
-- The request (mitmproxy flow) or the connection a row belongs to: the rows of one long request add up.
ALTER TABLE usage_events ADD COLUMN flow_id uuid;

-- Each batch the writer commits, so a batch replayed from the spool after a failure is written once.
CREATE TABLE usage_batches (
    id         uuid PRIMARY KEY,
    records    integer NOT NULL,
    written_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX usage_batches_written_at ON usage_batches (written_at);

-- The daily rollup: local days (SMEDI_TZ) per employee × OPD (at the time of use) × category, without
-- the host (usage_hourly has it): what quotas count and what reports over dates read. Small enough for
-- every proxy to follow through updated_at.
CREATE TABLE usage_daily_totals (
    day         date NOT NULL,
    employee_id integer NOT NULL DEFAULT 0,  -- 0: not signed in
    org_unit_id integer NOT NULL DEFAULT 0,  -- 0: no OPD
    category    text NOT NULL DEFAULT '',
    requests    bigint NOT NULL DEFAULT 0,
    blocked     bigint NOT NULL DEFAULT 0,
    bytes_up    bigint NOT NULL DEFAULT 0,
    bytes_down  bigint NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (day, employee_id, org_unit_id, category)
);
CREATE INDEX usage_daily_totals_updated ON usage_daily_totals (updated_at);
CREATE INDEX usage_daily_totals_employee ON usage_daily_totals (employee_id, day);

-- Byte quotas. employee: one employee's traffic; org: an OPD's (and its sub-units') traffic together;
-- category: one category's traffic, counted per employee, for everyone or narrowed to an OPD or one
-- employee (e.g. streaming video 1 GB a day each).
CREATE TABLE quotas (
    id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scope       text NOT NULL CHECK (scope IN ('employee', 'org', 'category')),
    employee_id integer REFERENCES employees (id) ON DELETE CASCADE,
    org_unit_id integer REFERENCES org_units (id) ON DELETE CASCADE,
    category    text REFERENCES categories (slug) ON UPDATE CASCADE ON DELETE CASCADE,
    period      text NOT NULL CHECK (period IN ('day', 'week', 'month')),
    limit_bytes bigint NOT NULL CHECK (limit_bytes > 0),
    note        text NOT NULL DEFAULT '',
    created_by  text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (scope <> 'employee' OR (employee_id IS NOT NULL AND org_unit_id IS NULL AND category IS NULL)),
    CHECK (scope <> 'org' OR (org_unit_id IS NOT NULL AND employee_id IS NULL AND category IS NULL)),
    CHECK (scope <> 'category' OR (category IS NOT NULL AND (employee_id IS NULL OR org_unit_id IS NULL)))
);

-- The 80 % notice is shown once per employee, quota and period, whichever proxy process shows it.
CREATE TABLE quota_notices (
    quota_id     integer NOT NULL REFERENCES quotas (id) ON DELETE CASCADE,
    employee_id  integer NOT NULL REFERENCES employees (id) ON DELETE CASCADE,
    period_start date NOT NULL,
    shown_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (quota_id, employee_id, period_start)
);

CREATE FUNCTION notify_quotas_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('quotas_changed', '');
    RETURN NULL;
END $$;
CREATE TRIGGER quotas_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON quotas
    FOR EACH STATEMENT EXECUTE FUNCTION notify_quotas_changed();

-- Retention drops whole days: partitions of days before $1 (their upper bound at or before it).
CREATE FUNCTION drop_usage_partitions_before(cutoff date) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    part record;
    dropped integer := 0;
BEGIN
    FOR part IN
        SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'usage_events'::regclass AND c.relname ~ '^usage_events_[0-9]{8}$'
           AND to_date(substring(c.relname FROM 14), 'YYYYMMDD') < cutoff
    LOOP
        EXECUTE format('DROP TABLE %I', part.relname);
        dropped := dropped + 1;
    END LOOP;
    RETURN dropped;
END $$;
