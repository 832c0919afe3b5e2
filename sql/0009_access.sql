-- Roles limited to an OPD: an HR officer or an inspector of one OPD reads that OPD and the OPDs below
-- it; NULL is the whole city. An employee's own usage is always theirs to see, whatever the scope.
ALTER TABLE employees ADD COLUMN scope_org_unit_id integer REFERENCES org_units (id);
