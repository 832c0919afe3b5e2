-- Each usage event says which rule decided, and a refused or warned request carries the reference
-- shown on its page, so an exception request can point at the exact event.
ALTER TABLE usage_events ADD COLUMN rule text NOT NULL DEFAULT '';
ALTER TABLE usage_events ADD COLUMN reference text;
CREATE INDEX usage_events_reference ON usage_events (reference) WHERE reference IS NOT NULL;
