"""One views module per feature."""
