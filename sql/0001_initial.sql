-- The first schema: OPDs, employees, portal sessions, the audit chain, categories, the blocked
-- list, raw usage events partitioned by day and the hourly rollup that reports read.

CREATE TABLE org_units (
    id         integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code       text NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$'),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    parent_id  integer REFERENCES org_units (id),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE employees (
    id            integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
    full_name     text NOT NULL DEFAULT '',
    nip           text UNIQUE CHECK (nip ~ '^[0-9]{18}$'),  -- Nomor Induk Pegawai, 18 digits
    org_unit_id   integer REFERENCES org_units (id),
    password_hash text NOT NULL,                             -- argon2id, never the password
    active        boolean NOT NULL DEFAULT true,
    roles         text[] NOT NULL DEFAULT '{employee}'
                  CHECK (roles <@ '{admin,hr,inspector,data_operator,walidata,employee}'::text[]),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- The proxy keeps the directory in memory and reloads it when this fires.
CREATE FUNCTION notify_directory_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('directory_changed', '');
    RETURN NULL;
END $$;
CREATE TRIGGER employees_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON employees
    FOR EACH STATEMENT EXECUTE FUNCTION notify_directory_changed();
CREATE TRIGGER org_units_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON org_units
    FOR EACH STATEMENT EXECUTE FUNCTION notify_directory_changed();

CREATE TABLE portal_sessions (
    token_hash   bytea PRIMARY KEY,             -- sha256 of the cookie value; the value itself is not stored
    employee_id  integer NOT NULL REFERENCES employees (id) ON DELETE CASCADE,
    csrf_token   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    client_ip    inet,
    user_agent   text NOT NULL DEFAULT ''
);
CREATE INDEX portal_sessions_employee ON portal_sessions (employee_id);

-- Tamper-evident audit log: each row's hash covers its content and the previous row's hash.
CREATE TABLE audit_log (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT now(),
    actor     text NOT NULL,
    action    text NOT NULL,
    target    text NOT NULL DEFAULT '',
    details   jsonb NOT NULL DEFAULT '{}',
    client_ip inet,
    prev_hash bytea NOT NULL,
    hash      bytea NOT NULL
);

CREATE FUNCTION audit_row_hash(prev bytea, id bigint, at timestamptz, actor text, action text,
                               target text, details jsonb, client_ip inet)
RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(prev || convert_to(concat_ws(E'\x1f', id::text,
        (extract(epoch FROM at) * 1000000)::bigint::text, actor, action, target, details::text,
        coalesce(host(client_ip), '')), 'UTF8'))
$$;

-- Appends under a lock so concurrent writers (proxy, portal, CLI) keep one chain.
CREATE FUNCTION audit_append(p_actor text, p_action text, p_target text, p_details jsonb, p_client_ip inet)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_prev bytea;
    v_id   bigint;
    v_at   timestamptz := now();
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('audit_log'));
    SELECT hash INTO v_prev FROM audit_log ORDER BY id DESC LIMIT 1;
    v_prev := coalesce(v_prev, '\x'::bytea);
    v_id := nextval(pg_get_serial_sequence('audit_log', 'id'));
    INSERT INTO audit_log OVERRIDING SYSTEM VALUE
        VALUES (v_id, v_at, p_actor, p_action, coalesce(p_target, ''), coalesce(p_details, '{}'), p_client_ip,
                v_prev, audit_row_hash(v_prev, v_id, v_at, p_actor, p_action, coalesce(p_target, ''),
                                       coalesce(p_details, '{}'), p_client_ip));
    RETURN v_id;
END $$;

CREATE TABLE categories (
    id             integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug           text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9-]{1,40}$'),
    name_id        text NOT NULL,
    name_en        text NOT NULL,
    default_action text NOT NULL DEFAULT 'allow' CHECK (default_action IN ('allow', 'block', 'passthrough', 'warn'))
);

CREATE TABLE category_domains (
    category_id integer NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    domain      text NOT NULL,
    PRIMARY KEY (category_id, domain)
);
CREATE INDEX category_domains_domain ON category_domains (domain);

CREATE TABLE blocked_domains (
    domain     text PRIMARY KEY,   -- normalised: lower case, punycode, no trailing dot
    reason     text NOT NULL DEFAULT '',
    created_by text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);

-- The proxy swaps its policy snapshot when this fires.
CREATE FUNCTION notify_policy_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('policy_changed', '');
    RETURN NULL;
END $$;
CREATE TRIGGER blocked_domains_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON blocked_domains
    FOR EACH STATEMENT EXECUTE FUNCTION notify_policy_changed();
CREATE TRIGGER category_domains_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON category_domains
    FOR EACH STATEMENT EXECUTE FUNCTION notify_policy_changed();

-- Raw per-flow records, one partition a day (retention drops whole partitions).
CREATE TABLE usage_events (
    ts                 timestamptz NOT NULL,
    employee_id        integer,        -- NULL only for flows refused before anyone signed in
    org_unit_id        integer,
    client_ip          inet,
    host               text NOT NULL,
    scheme             text NOT NULL,
    method             text NOT NULL,
    status             smallint,       -- NULL when the flow ended in an error
    decision           text NOT NULL,  -- allow | block | error
    category           text NOT NULL DEFAULT '',
    bytes_up           bigint NOT NULL,  -- from the client: request head + body as on the wire
    bytes_down         bigint NOT NULL,  -- to the client: response head + body as on the wire
    request_body_bytes  bigint NOT NULL,
    response_body_bytes bigint NOT NULL,
    duration_ms        integer NOT NULL
) PARTITION BY RANGE (ts);
-- Catches rows whose day has no partition yet, so a late or early clock never loses a record.
CREATE TABLE usage_events_default PARTITION OF usage_events DEFAULT;
CREATE INDEX usage_events_employee_ts ON usage_events (employee_id, ts);

CREATE FUNCTION ensure_usage_partitions(first_day date, days integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    d date;
    name text;
BEGIN
    FOR i IN 0 .. days - 1 LOOP
        d := first_day + i;
        name := format('usage_events_%s', to_char(d, 'YYYYMMDD'));
        IF to_regclass(name) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF usage_events FOR VALUES FROM (%L) TO (%L)',
                           name, d::timestamp AT TIME ZONE 'UTC', (d + 1)::timestamp AT TIME ZONE 'UTC');
        END IF;
    END LOOP;
END $$;

CREATE TABLE usage_hourly (
    hour        timestamptz NOT NULL,
    employee_id integer NOT NULL DEFAULT 0,  -- 0: not signed in
    host        text NOT NULL,
    category    text NOT NULL DEFAULT '',
    requests    bigint NOT NULL DEFAULT 0,
    blocked     bigint NOT NULL DEFAULT 0,
    bytes_up    bigint NOT NULL DEFAULT 0,
    bytes_down  bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (hour, employee_id, host, category)
);
CREATE INDEX usage_hourly_employee ON usage_hourly (employee_id, hour);
