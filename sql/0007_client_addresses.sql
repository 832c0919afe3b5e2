-- Transparent mode: who is behind each client address. A lease comes from a sign-in at the captive
-- portal and ends at sign-out, after an idle time or at its maximum lifetime; a binding is set by an
-- admin for servers, printers and kiosks. A binding wins over a lease for the same address.
CREATE TABLE client_leases (
    client_ip   inet PRIMARY KEY,
    employee_id integer NOT NULL REFERENCES employees (id) ON DELETE CASCADE,
    started_at  timestamptz NOT NULL DEFAULT now(),
    last_seen   timestamptz NOT NULL DEFAULT now(),  -- traffic seen by a proxy, written every few seconds
    expires_at  timestamptz NOT NULL                 -- started_at + the maximum lifetime
);

CREATE TABLE client_bindings (
    client_ip   inet PRIMARY KEY,
    employee_id integer NOT NULL REFERENCES employees (id) ON DELETE CASCADE,
    note        text NOT NULL DEFAULT '' CHECK (length(note) <= 200),
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The proxies keep the address map in memory and reload it when this fires; a proxy's own last_seen
-- updates do not fire it. Per row, not per statement: a statement trigger fires even when no row changed,
-- and every proxy runs the expiry sweep every few seconds, so each sweep would make every proxy reload.
-- PostgreSQL delivers one notification per transaction for the same channel and payload.
CREATE FUNCTION notify_clients_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('clients_changed', TG_TABLE_NAME);
    RETURN NULL;
END $$;
CREATE TRIGGER client_leases_changed AFTER INSERT OR DELETE OR UPDATE OF employee_id, expires_at
    ON client_leases FOR EACH ROW EXECUTE FUNCTION notify_clients_changed();
CREATE TRIGGER client_bindings_changed AFTER INSERT OR UPDATE OR DELETE ON client_bindings
    FOR EACH ROW EXECUTE FUNCTION notify_clients_changed();
CREATE TRIGGER client_leases_truncated AFTER TRUNCATE ON client_leases
    FOR EACH STATEMENT EXECUTE FUNCTION notify_clients_changed();
CREATE TRIGGER client_bindings_truncated AFTER TRUNCATE ON client_bindings
    FOR EACH STATEMENT EXECUTE FUNCTION notify_clients_changed();
