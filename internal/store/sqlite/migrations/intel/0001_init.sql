-- Indicators the gateway enforces. One row per (type, value, source): the
-- same domain from two feeds is two rows, so a feed refresh replaces its own.
-- Times are unix nanoseconds; expires 0 means never. refs is a JSON array of
-- the ids of the events behind the indicator, newest last.
CREATE TABLE intel_indicators (
    id         INTEGER PRIMARY KEY,
    type       TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    category   TEXT    NOT NULL,
    source     TEXT    NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    expires    INTEGER NOT NULL DEFAULT 0,
    refs       TEXT    NOT NULL DEFAULT '[]',
    UNIQUE (type, value, source)
);
CREATE INDEX intel_indicators_value ON intel_indicators (value);
CREATE INDEX intel_indicators_source ON intel_indicators (source);
CREATE INDEX intel_indicators_category ON intel_indicators (category);
