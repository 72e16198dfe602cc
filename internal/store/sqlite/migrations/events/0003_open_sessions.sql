-- OpenSessions finds the sessions a crashed process never closed: few rows
-- among many, so a partial index keeps it from scanning every session.
CREATE INDEX sessions_open ON sessions (sensor, start_ns) WHERE end_ns IS NULL;
