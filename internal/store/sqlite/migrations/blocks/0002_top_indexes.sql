-- 0002_top_indexes: what BlocksTop reads over long periods without
-- sorting every member row of the period (docs/performance-dashboard.md,
-- Stop 5).
--
-- Top clients: the members of blocks_day_clients in client order, so that
-- summing each client's blocks over a long period streams through this
-- covering index instead of sorting every (day, client) row.
CREATE INDEX blocks_day_clients_by_client ON blocks_day_clients (client, day, blocks);

-- Distinct clients of the top categories: each category's clients in
-- order, so that counting them distinct streams instead of sorting.
CREATE INDEX blocks_category_clients_by_category ON blocks_category_clients (category, client, day);
