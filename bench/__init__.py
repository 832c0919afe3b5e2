"""`make bench`: requests per second through S'MEDI's proxy against a bare mitmdump on one local origin."""
