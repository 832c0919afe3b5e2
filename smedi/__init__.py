"""S'MEDI: command line, settings, database, logging and the process supervisor."""
