-- 0002_open: crash recovery reads the attacks a killed process left open
-- (ended = 0) on every start; they are few among many ended ones.

CREATE INDEX attacks_open ON attacks (sensor, first_ns) WHERE ended = 0;
