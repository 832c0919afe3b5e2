"""The usage store: records, the batched writer, rollups and the report queries."""
