-- Exception requests: an employee asks from the block page; an admin approves (a time-limited allow
-- rule for the employee or their OPD) or refuses; the employee sees the outcome.
CREATE TABLE exception_requests (
    id             integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    employee_id    integer NOT NULL REFERENCES employees (id) ON DELETE CASCADE,
    reference      text NOT NULL,
    host           text NOT NULL,
    url            text NOT NULL DEFAULT '',
    rule           text NOT NULL DEFAULT '',
    category       text NOT NULL DEFAULT '',
    reason         text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'refused')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    decided_by     text,
    decided_at     timestamptz,
    decision_note  text NOT NULL DEFAULT '',
    approved_scope text CHECK (approved_scope IN ('employee', 'org')),
    expires_at     timestamptz,
    rule_id        integer REFERENCES rules (id) ON DELETE SET NULL,
    UNIQUE (employee_id, reference)
);
CREATE INDEX exception_requests_pending ON exception_requests (created_at) WHERE status = 'pending';
