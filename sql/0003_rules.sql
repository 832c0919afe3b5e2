-- Ordered policy rules with optional weekly schedules and public holidays.

CREATE TABLE schedules (
    id               integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name             text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 80),
    except_holidays  boolean NOT NULL DEFAULT true   -- a working-hours schedule is off on public holidays
);

CREATE TABLE schedule_windows (
    schedule_id integer NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    weekday     smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),  -- ISO: 1 Monday .. 7 Sunday
    starts      time NOT NULL,
    ends        time NOT NULL CHECK (ends > starts),                 -- local time in SMEDI_TZ
    PRIMARY KEY (schedule_id, weekday, starts)
);

CREATE TABLE holidays (
    day  date PRIMARY KEY,
    name text NOT NULL
);

CREATE TABLE rules (
    id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    position    integer NOT NULL,                  -- first matching enabled rule decides
    enabled     boolean NOT NULL DEFAULT true,
    scope       text NOT NULL CHECK (scope IN ('everyone', 'org', 'role', 'employee')),
    org_unit_id integer REFERENCES org_units (id) ON DELETE CASCADE,
    role        text CHECK (role IN ('admin', 'hr', 'inspector', 'data_operator', 'walidata', 'employee')),
    employee_id integer REFERENCES employees (id) ON DELETE CASCADE,
    match       text NOT NULL CHECK (match IN ('category', 'domain', 'url_prefix', 'url_regex')),
    category_id integer REFERENCES categories (id) ON DELETE CASCADE,
    pattern     text,                              -- domain, URL prefix or regular expression
    action      text NOT NULL CHECK (action IN ('allow', 'block', 'passthrough', 'warn')),
    schedule_id integer REFERENCES schedules (id) ON DELETE RESTRICT,
    expires_at  timestamptz,                       -- exception approvals end by themselves
    note        text NOT NULL DEFAULT '',
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((scope = 'org') = (org_unit_id IS NOT NULL)),
    CHECK ((scope = 'role') = (role IS NOT NULL)),
    CHECK ((scope = 'employee') = (employee_id IS NOT NULL)),
    CHECK ((match = 'category') = (category_id IS NOT NULL)),
    CHECK ((match = 'category') = (pattern IS NULL))
);
CREATE INDEX rules_position ON rules (position);

CREATE TRIGGER rules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON rules
    FOR EACH STATEMENT EXECUTE FUNCTION notify_policy_changed();
CREATE TRIGGER schedules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON schedules
    FOR EACH STATEMENT EXECUTE FUNCTION notify_policy_changed();
CREATE TRIGGER schedule_windows_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON schedule_windows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_policy_changed();
CREATE TRIGGER holidays_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON holidays
    FOR EACH STATEMENT EXECUTE FUNCTION notify_policy_changed();

-- The city's office hours (jam kerja), as a schedule rules can refer to.
WITH s AS (INSERT INTO schedules (name) VALUES ('jam-kerja') RETURNING id)
INSERT INTO schedule_windows (schedule_id, weekday, starts, ends)
SELECT s.id, d, '07:30', CASE WHEN d = 5 THEN time '16:30' ELSE time '16:00' END
  FROM s, generate_series(1, 5) d;
