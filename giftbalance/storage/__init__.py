"""Where records live: the engine and sessions, the tables, settings, the schema upgrade, and
the files the tool writes (atomically, privately, never over its own database)."""
