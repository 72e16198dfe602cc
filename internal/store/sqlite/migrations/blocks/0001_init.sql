-- 0001_init: the blocks rollups (gateway.BlocksStore), written in the same
-- transaction as the gateway.block events they count (AppendEvents), from
-- the events that were new, so a redelivery counts nothing twice. A refused
-- client (action refuse) is not a block and is not counted.
--
-- Each rollup is a totals table and a members table (clients), as
-- rollupTables writes them: per day; per day and domain; per day and
-- category. Top lists over several days read the members tables, so that a
-- client blocked on two days counts once.

CREATE TABLE blocks_days (
	day     TEXT    NOT NULL, -- YYYY-MM-DD, UTC
	blocks  INTEGER NOT NULL,
	clients INTEGER NOT NULL,
	PRIMARY KEY (day)
) WITHOUT ROWID;

CREATE TABLE blocks_day_clients (
	day    TEXT    NOT NULL,
	client TEXT    NOT NULL,
	blocks INTEGER NOT NULL,
	PRIMARY KEY (day, client)
) WITHOUT ROWID;
CREATE INDEX blocks_day_clients_zero ON blocks_day_clients (day) WHERE blocks = 0;

CREATE TABLE blocks_domains (
	day     TEXT    NOT NULL,
	domain  TEXT    NOT NULL,
	blocks  INTEGER NOT NULL,
	clients INTEGER NOT NULL,
	PRIMARY KEY (day, domain)
) WITHOUT ROWID;

CREATE TABLE blocks_domain_clients (
	day    TEXT    NOT NULL,
	domain TEXT    NOT NULL,
	client TEXT    NOT NULL,
	blocks INTEGER NOT NULL,
	PRIMARY KEY (day, domain, client)
) WITHOUT ROWID;
CREATE INDEX blocks_domain_clients_zero ON blocks_domain_clients (day) WHERE blocks = 0;

CREATE TABLE blocks_categories (
	day      TEXT    NOT NULL,
	category TEXT    NOT NULL,
	blocks   INTEGER NOT NULL,
	clients  INTEGER NOT NULL,
	PRIMARY KEY (day, category)
) WITHOUT ROWID;

CREATE TABLE blocks_category_clients (
	day      TEXT    NOT NULL,
	category TEXT    NOT NULL,
	client   TEXT    NOT NULL,
	blocks   INTEGER NOT NULL,
	PRIMARY KEY (day, category, client)
) WITHOUT ROWID;
CREATE INDEX blocks_category_clients_zero ON blocks_category_clients (day) WHERE blocks = 0;
