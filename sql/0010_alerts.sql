-- Deviant activity flagged by the detectors (accounting/anomaly.py), with its evidence, and what the
-- admins decided: new → acknowledged → resolved or false_positive, each step with a note.
CREATE TABLE alerts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    detector    text NOT NULL,                                -- volume_spike, upload_spike, ...
    employee_id integer REFERENCES employees (id) ON DELETE CASCADE,
    org_unit_id integer REFERENCES org_units (id),
    severity    text NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
    status      text NOT NULL DEFAULT 'new'
                CHECK (status IN ('new', 'acknowledged', 'resolved', 'false_positive')),
    window_start timestamptz NOT NULL,                        -- the stretch of traffic it is about
    window_end   timestamptz NOT NULL CHECK (window_end > window_start),
    evidence    jsonb NOT NULL DEFAULT '{}',                  -- the numbers, the baseline, the top hosts
    note        text NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text NOT NULL DEFAULT '',
    UNIQUE (detector, employee_id, window_start)              -- a scan run twice flags once
);
CREATE INDEX alerts_open ON alerts (created_at) WHERE status IN ('new', 'acknowledged');
CREATE INDEX alerts_employee ON alerts (employee_id, created_at);

-- The optional webhook (SMEDI_ALERT_WEBHOOK_URL): a new alert is posted once, retried by the portal's
-- background task until it is taken or given up, so a slow receiver never holds up a scan.
ALTER TABLE alerts ADD COLUMN webhook_sent_at timestamptz;
ALTER TABLE alerts ADD COLUMN webhook_attempts integer NOT NULL DEFAULT 0;
CREATE INDEX alerts_webhook_pending ON alerts (id) WHERE webhook_sent_at IS NULL;

-- A corrective action: an employee's internet suspended until a time, with the reason shown on the
-- proxy's page; lifted early by an admin (the row stays, for the record). The proxies hold the current
-- suspensions with the directory and reload on `directory_changed`.
CREATE TABLE internet_suspensions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    employee_id integer NOT NULL REFERENCES employees (id) ON DELETE CASCADE,
    alert_id    bigint REFERENCES alerts (id) ON DELETE SET NULL,
    reason      text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    starts_at   timestamptz NOT NULL DEFAULT now(),
    ends_at     timestamptz NOT NULL CHECK (ends_at > starts_at),
    created_by  text NOT NULL,
    lifted_at   timestamptz,
    lifted_by   text NOT NULL DEFAULT ''
);
CREATE INDEX internet_suspensions_open ON internet_suspensions (employee_id, ends_at) WHERE lifted_at IS NULL;
CREATE TRIGGER internet_suspensions_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON internet_suspensions
    FOR EACH STATEMENT EXECUTE FUNCTION notify_directory_changed();
