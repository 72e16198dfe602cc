-- 0005_block_ref: find a block by the reference id its block page showed
-- the user (store.Dashboard.BlockByRef). Partial: only gateway.block rows
-- carry one, so the index stays a fraction of the events.
CREATE INDEX events_block_ref ON events (json_extract(data, '$.ref')) WHERE kind = 'gateway.block';
