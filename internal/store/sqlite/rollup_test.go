package sqlite

import (
	"context"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/honeygate/honeygate/internal/store"
)

// The rollup writer is generic: a later domain's rollup (here a made-up
// "blocks per day and list", with and without distinct clients) works with
// its own tables and key type.
func TestRollupTablesGeneric(t *testing.T) {
	ctx := context.Background()
	db, err := Open(filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.w.ExecContext(ctx, `
		CREATE TABLE rollup_blocks (day TEXT, list TEXT, blocks INTEGER, clients INTEGER, PRIMARY KEY (day, list)) WITHOUT ROWID;
		CREATE TABLE rollup_block_clients (day TEXT, list TEXT, client TEXT, blocks INTEGER, PRIMARY KEY (day, list, client)) WITHOUT ROWID;
		CREATE INDEX rollup_block_clients_zero ON rollup_block_clients (day) WHERE blocks = 0;
		CREATE TABLE rollup_verdicts (day TEXT, verdict TEXT, verdicts INTEGER, unused INTEGER, PRIMARY KEY (day, verdict)) WITHOUT ROWID;
	`); err != nil {
		t.Fatal(err)
	}
	blocks := rollupTables{totals: "rollup_blocks", members: "rollup_block_clients", keys: []string{"list"},
		count: "blocks", distinct: "clients", member: "client"}
	verdicts := rollupTables{totals: "rollup_verdicts", keys: []string{"verdict"}, count: "verdicts", distinct: "unused"}
	listArgs := func(k string) []any { return []any{k} }

	apply := func(r rollupTables, t2 *store.Tally[string]) error {
		// As AppendEvents does: the later applies run on cached statements.
		defer db.stmts.prepareWanted(ctx, db.w)
		sqltx, err := db.w.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer sqltx.Rollback() //nolint:errcheck
		tx := &wtx{Tx: sqltx, cache: &db.stmts}
		if err := r.apply(ctx, tx, changesOf(t2, listArgs)); err != nil {
			return err
		}
		return sqltx.Commit()
	}
	dump := func(q string) []string {
		rows, err := db.r.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var a, b string
			var n, m int64
			if err := rows.Scan(&a, &b, &n, &m); err != nil {
				t.Fatal(err)
			}
			out = append(out, strings.Join([]string{a, b, itoa(n), itoa(m)}, " "))
		}
		return out
	}

	var t1 store.Tally[string]
	t1.Add("2026-03-01", "ads", "10.0.0.1", 3)
	t1.Add("2026-03-01", "ads", "10.0.0.2", 1)
	t1.Add("2026-03-01", "malware", "10.0.0.1", 1)
	if err := apply(blocks, &t1); err != nil {
		t.Fatal(err)
	}
	var t2 store.Tally[string]
	t2.Add("2026-03-01", "ads", "10.0.0.2", -1) // its only block leaves
	t2.Add("2026-03-01", "malware", "10.0.0.1", -1)
	if err := apply(blocks, &t2); err != nil {
		t.Fatal(err)
	}
	if got, want := dump(`SELECT day, list, blocks, clients FROM rollup_blocks ORDER BY 1, 2`), []string{"2026-03-01 ads 3 1"}; !slices.Equal(got, want) {
		t.Errorf("totals = %q, want %q", got, want)
	}
	if got, want := dump(`SELECT day, client, blocks, 0 FROM rollup_block_clients ORDER BY 1, 2`), []string{"2026-03-01 10.0.0.1 3 0"}; !slices.Equal(got, want) {
		t.Errorf("members = %q, want %q (no rows at zero)", got, want)
	}
	var t3 store.Tally[string]
	t3.Add("2026-03-01", "ads", "10.0.0.9", -1)
	if err := apply(blocks, &t3); err == nil {
		t.Error("a count below zero was accepted")
	}

	var v store.Tally[string]
	v.Add("2026-03-01", "malicious", "", 2)
	v.Add("2026-03-01", "benign", "", 1)
	if err := apply(verdicts, &v); err != nil {
		t.Fatal(err)
	}
	var v2 store.Tally[string]
	v2.Add("2026-03-01", "benign", "", -1)
	if err := apply(verdicts, &v2); err != nil {
		t.Fatal(err)
	}
	if got, want := dump(`SELECT day, verdict, verdicts, unused FROM rollup_verdicts ORDER BY 1, 2`), []string{"2026-03-01 malicious 2 0"}; !slices.Equal(got, want) {
		t.Errorf("verdicts = %q, want %q", got, want)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
