"""`make bench`: proxy req/s, usage writer ingest and policy lookup, each against a baseline of the run."""
