-- 0007_family_nocase: the events filter matches a family whatever its
-- case (`--family Mirai` finds "mirai"), through an index in the same
-- collation; it replaces the case-sensitive one, which nothing else read,
-- so a write still updates as many indexes as before.

DROP INDEX events_family;
CREATE INDEX events_family_nocase ON events (family COLLATE NOCASE, time);
