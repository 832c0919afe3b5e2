-- Periodic usage reports (accounting/usage_report.py): a finer activity rollup for active time and office
-- hours, a daily host rollup for the top hosts of an OPD or the city, and the scheduled reports generated.

-- The rollups below are updated in place by every batch of the writer: pages kept 30 % free let PostgreSQL
-- update a row without touching its indexes (a HOT update), several times cheaper.
ALTER TABLE usage_hourly SET (fillfactor = 70);

-- Activity in 5-minute slots of the local day (SMEDI_TZ), per signed-in employee. Active time online is the
-- number of slots holding any traffic × 5 minutes; office hours against after hours are counted per slot.
-- slot = (local minutes since midnight) / 5, 0..287. On a day the clocks go back, the repeated hour's slots
-- fold into one (Asia/Jakarta has no DST). Kept by the writer in the same statement as usage_events.
CREATE TABLE usage_activity (
    day           date NOT NULL,
    employee_id   integer NOT NULL,
    slot          smallint NOT NULL CHECK (slot BETWEEN 0 AND 287),
    org_unit_id   integer NOT NULL DEFAULT 0,  -- the OPD at the time of use; 0: no OPD
    requests      bigint NOT NULL DEFAULT 0,
    blocked       bigint NOT NULL DEFAULT 0,
    quota_refused bigint NOT NULL DEFAULT 0,  -- rows with decision 'quota': refused because a quota ran out
    bytes_up      bigint NOT NULL DEFAULT 0,
    bytes_down    bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (employee_id, day, slot)  -- an employee's days; OPDs and the city read usage_activity_orgs
) WITH (fillfactor = 70);

-- The same slots per OPD (at the time of use): how many of its employees were active in each, and their
-- traffic. What an OPD's or the city's report reads, a fraction of usage_activity's rows. `active` grows
-- when the writer adds a slot new to an employee (usage_activity's insert), so it counts each once.
CREATE TABLE usage_activity_orgs (
    day           date NOT NULL,
    slot          smallint NOT NULL CHECK (slot BETWEEN 0 AND 287),
    org_unit_id   integer NOT NULL DEFAULT 0,
    active        bigint NOT NULL DEFAULT 0,
    requests      bigint NOT NULL DEFAULT 0,
    blocked       bigint NOT NULL DEFAULT 0,
    quota_refused bigint NOT NULL DEFAULT 0,
    bytes_up      bigint NOT NULL DEFAULT 0,
    bytes_down    bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (day, slot, org_unit_id)
) WITH (fillfactor = 70);

-- Hosts per local day and OPD (at the time of use): the top hosts of an OPD or of the whole city over a
-- month without reading usage_hourly's hour × employee rows.
CREATE TABLE usage_daily_hosts (
    day         date NOT NULL,
    org_unit_id integer NOT NULL DEFAULT 0,
    host        text NOT NULL,
    requests    bigint NOT NULL DEFAULT 0,
    blocked     bigint NOT NULL DEFAULT 0,
    bytes_up    bigint NOT NULL DEFAULT 0,
    bytes_down  bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (day, org_unit_id, host)
) WITH (fillfactor = 70);

-- Reports the system generated after a period ended (daily, weekly, monthly; the city and each top-level
-- OPD), once each: the unique key makes a second run a no-op. The report itself is kept as JSON and
-- rendered as a page, CSV or PDF when read.
CREATE TABLE generated_reports (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    period       text NOT NULL CHECK (period IN ('day', 'week', 'month')),
    first_day    date NOT NULL,
    last_day     date NOT NULL CHECK (last_day >= first_day),
    org_unit_id  integer REFERENCES org_units (id) ON DELETE CASCADE,  -- NULL: the whole city
    subject_key  integer GENERATED ALWAYS AS (coalesce(org_unit_id, 0)) STORED,
    report       jsonb NOT NULL,
    generated_at timestamptz NOT NULL DEFAULT now(),
    generated_by text NOT NULL DEFAULT 'system',
    UNIQUE (period, first_day, subject_key)
);
CREATE INDEX generated_reports_first_day ON generated_reports (first_day DESC);
