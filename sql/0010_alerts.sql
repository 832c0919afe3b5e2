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
