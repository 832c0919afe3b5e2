-- Roles limited to an OPD: an HR officer or an inspector of one OPD reads that OPD and the OPDs below
-- it; NULL is the whole city. An employee's own usage is always theirs to see, whatever the scope.
ALTER TABLE employees ADD COLUMN scope_org_unit_id integer REFERENCES org_units (id);

-- The audit log page filters by actor, action and target and pages newest first (by id); a time range
-- is a range of `at`, which grows with id.
CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_target ON audit_log (target, id);
CREATE INDEX audit_log_at ON audit_log (at);
