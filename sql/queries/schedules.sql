-- Schedules (weekly windows) and public holidays: list, add, change, delete; add and remove holidays.

-- name: schedule_list
-- Every schedule. No parameters.
SELECT id, name, except_holidays FROM schedules ORDER BY name;

-- name: schedule_windows
-- Every window of every schedule, in week order. No parameters.
SELECT schedule_id, weekday, starts, ends FROM schedule_windows ORDER BY schedule_id, weekday, starts;

-- name: schedule_insert
-- Adds a schedule. $1 name, $2 except holidays. Returns id.
INSERT INTO schedules (name, except_holidays) VALUES ($1, $2) RETURNING id;

-- name: schedule_windows_insert
-- Adds a schedule's windows in one statement. $1 schedule id, $2 weekdays (ISO 1-7), $3 starts, $4 ends:
-- three arrays of the same length, one element per window.
INSERT INTO schedule_windows (schedule_id, weekday, starts, ends)
SELECT $1, w.weekday, w.starts, w.ends
  FROM unnest($2::smallint[], $3::time[], $4::time[]) AS w (weekday, starts, ends);

-- name: holiday_list
-- Every public holiday, the earliest first. No parameters.
SELECT day, name FROM holidays ORDER BY day;

-- name: holiday_insert
-- Adds a public holiday. $1 day, $2 name. Returns day; no row when that day is already a holiday.
INSERT INTO holidays (day, name) VALUES ($1, $2) ON CONFLICT (day) DO NOTHING RETURNING day;

-- name: holiday_delete
-- Removes a public holiday. $1 day. Returns its name; no row when that day is not a holiday.
DELETE FROM holidays WHERE day = $1 RETURNING name;

-- name: schedule_for_update
-- One schedule, locked until the transaction ends: a rule added meanwhile waits (its foreign key), and two
-- changes at once do not both read the old windows. $1 id. Returns name, except_holidays; no row when unknown.
SELECT name, except_holidays FROM schedules WHERE id = $1 FOR UPDATE;

-- name: schedule_windows_of
-- One schedule's windows in week order. $1 schedule id.
SELECT weekday, starts, ends FROM schedule_windows WHERE schedule_id = $1 ORDER BY weekday, starts;

-- name: schedule_set_except_holidays
-- Whether a schedule is off on public holidays. $1 id, $2 except holidays.
UPDATE schedules SET except_holidays = $2 WHERE id = $1;

-- name: schedule_windows_delete
-- Removes every window of a schedule (its new windows follow in the same transaction). $1 schedule id.
DELETE FROM schedule_windows WHERE schedule_id = $1;

-- name: schedule_rules
-- The rules that use a schedule, by id (the number the rules list, the CLI and block pages show). $1 id.
SELECT id FROM rules WHERE schedule_id = $1 ORDER BY id;

-- name: schedule_delete
-- Removes a schedule; its windows go with it (ON DELETE CASCADE), a rule using it refuses (RESTRICT). $1 id.
DELETE FROM schedules WHERE id = $1;
