package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// The writer's statement cache. Compiling SQL is a real part of an append's
// cost (the multi-row INSERTs and upserts are long statements, compiled
// afresh in every transaction before this cache): every statement of the
// append path has one of a few fixed shapes (see chunkLen), so each shape
// is compiled once, on the writer's connection, and reused by every later
// transaction through Tx.StmtContext, which finds it already prepared on
// the one writer connection.
//
// A statement is never prepared inside a transaction: with
// MaxOpenConns(1) the transaction holds the only connection, and
// DB.PrepareContext would wait for it forever. So a transaction that meets
// an uncached shape runs it uncached and notes it (want), and the shapes
// noted are prepared after the transaction ends (prepareWanted).

// stmtCache maps SQL text to its statement prepared on the writer.
type stmtCache struct {
	mu     sync.Mutex
	stmts  map[string]*sql.Stmt
	wanted map[string]bool
	closed bool
}

// get returns the prepared statement for query, or nil after noting that
// it is wanted.
func (c *stmtCache) get(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.stmts[query]; s != nil {
		return s
	}
	if c.wanted == nil {
		c.wanted = make(map[string]bool)
	}
	c.wanted[query] = true
	return nil
}

// prepareWanted prepares the statements noted as wanted, on w. It must not
// be called inside a transaction on w. A statement that fails to prepare
// is dropped: the next transaction runs it uncached again, and reports the
// error if it is real.
func (c *stmtCache) prepareWanted(ctx context.Context, w *sql.DB) {
	c.mu.Lock()
	if c.closed || len(c.wanted) == 0 {
		c.mu.Unlock()
		return
	}
	queries := make([]string, 0, len(c.wanted))
	for q := range c.wanted {
		queries = append(queries, q)
	}
	clear(c.wanted)
	c.mu.Unlock()
	// Prepared without the lock: preparing waits for the writer
	// connection, whose transaction may be waiting in get.
	prepared := make(map[string]*sql.Stmt, len(queries))
	for _, q := range queries {
		if s, err := w.PrepareContext(ctx, q); err == nil {
			prepared[q] = s
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stmts == nil {
		c.stmts = make(map[string]*sql.Stmt)
	}
	for q, s := range prepared {
		if c.closed || c.stmts[q] != nil { // closed meanwhile, or prepared by another call
			s.Close()
			continue
		}
		c.stmts[q] = s
	}
}

// close closes every cached statement; later gets find none.
func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, s := range c.stmts {
		errs = append(errs, s.Close())
	}
	c.stmts, c.wanted, c.closed = nil, nil, true
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("statements: %w", err)
	}
	return nil
}

// wtx is a write transaction of the append path, with the statement cache.
type wtx struct {
	*sql.Tx
	cache *stmtCache
	bound map[*sql.Stmt]*sql.Stmt // cached statement -> its form in this transaction
}

// stmt returns query's cached statement bound to this transaction, or nil.
func (t *wtx) stmt(ctx context.Context, query string) *sql.Stmt {
	s := t.cache.get(query)
	if s == nil {
		return nil
	}
	if b := t.bound[s]; b != nil {
		return b
	}
	if t.bound == nil {
		t.bound = make(map[*sql.Stmt]*sql.Stmt)
	}
	b := t.StmtContext(ctx, s) // closed with the transaction
	t.bound[s] = b
	return b
}

func (t *wtx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := t.stmt(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return t.QueryContext(ctx, query, args...)
}

func (t *wtx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := t.stmt(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return t.ExecContext(ctx, query, args...)
}

func (t *wtx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if s := t.stmt(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return t.QueryRowContext(ctx, query, args...)
}

// chunkLen is how many of n remaining rows the next statement carries:
// full chunks of max, then the rest in falling powers of two, so that a
// statement of k rows has one of about log2(max) shapes (each compiled
// once, see stmtCache) rather than any of max.
func chunkLen(n, max int) int {
	if n >= max {
		return max
	}
	p := 1
	for p*2 <= n {
		p *= 2
	}
	return p
}
