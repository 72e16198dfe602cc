-- 0001_init: reflection attacks (internal/attack), one row per attack,
-- merged from its reflect.attack events by attack.Merge.

CREATE TABLE attacks (
	id          TEXT    PRIMARY KEY,  -- the id the attack's events share
	sensor      TEXT    NOT NULL,
	proto       TEXT    NOT NULL,
	victim      TEXT    NOT NULL,
	victim_port INTEGER NOT NULL,
	dst_port    INTEGER NOT NULL,
	first_ns    INTEGER NOT NULL,     -- Unix nanoseconds, UTC
	last_ns     INTEGER NOT NULL,
	requests    INTEGER NOT NULL,
	bytes_in    INTEGER NOT NULL,
	bytes_out   INTEGER NOT NULL,
	peak_pps    INTEGER NOT NULL,
	request     TEXT    NOT NULL,
	ended       INTEGER NOT NULL,     -- 0 or 1
	end_reason  TEXT    NOT NULL
);

-- Attacks(from, to) walks attacks newest first and stops at the limit.
CREATE INDEX attacks_first ON attacks (first_ns);
