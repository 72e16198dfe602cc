package store

import (
	"context"
	"errors"
	"time"

	"github.com/honeygate/honeygate/internal/event"
)

// What the dashboard and reports read besides DailyStats: per-day rollups
// kept by AppendEvents in the same transaction as the events, so that no
// page scans raw events.

// CredentialCount is how often one username/password pair was tried in a
// period (login.success and login.failed), and the last day it was.
type CredentialCount struct {
	Username string `json:"username"`
	Password string `json:"password"` // "" also for a login without a password
	Attempts int64  `json:"attempts"`
	LastDay  string `json:"last_day"` // YYYY-MM-DD
}

// PayloadURL is one payload URL that attackers asked for (file.download),
// over all time: first and last seen and how many times.
type PayloadURL struct {
	URL       string    `json:"url"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	Count     int64     `json:"count"`
}

// DayCount is a number for one UTC day.
type DayCount struct {
	Day   string `json:"day"` // YYYY-MM-DD
	Count int64  `json:"count"`
}

// Dimensions of DailySources.
const (
	SourcesByDay    = ""       // one row per day, over every family and port
	SourcesByFamily = "family" // one row per day and family, over its ports
	SourcesByPort   = "port"   // one row per day and port, over its families
)

// DailySource is the sessions of one day (of one family or port, or all)
// and the number of distinct source addresses behind them. Unlike
// DailyStat's per-bucket Sources, an address counts once however many
// ports or families it attacked that day.
type DailySource struct {
	Day      string `json:"day"`           // YYYY-MM-DD, UTC
	Key      string `json:"key,omitempty"` // the family, or the port as text; "" by day
	Sessions int64  `json:"sessions"`
	Sources  int64  `json:"sources"`
}

// MaxPayloadURL bounds the length of a payload URL as kept in the rollup;
// a longer URL is counted under its first MaxPayloadURL bytes.
const MaxPayloadURL = 2048

// Dashboard is the part of Events that the dashboard and reports read.
// Periods are UTC days [from, to], both inclusive; limit is capped at
// MaxLimit (DefaultLimit when <= 0).
type Dashboard interface {
	// TopCredentials returns the most tried pairs of the period, most
	// tried first (ties by username, password).
	TopCredentials(ctx context.Context, from, to time.Time, limit int) ([]CredentialCount, error)
	// PayloadURLs returns the URLs seen during the period (last seen on or
	// after from, first seen on or before to), newest first seen first.
	PayloadURLs(ctx context.Context, from, to time.Time, limit int) ([]PayloadURL, error)
	// NewPayloadURLs counts, per day of the period, the URLs first seen
	// that day; days without any are left out.
	NewPayloadURLs(ctx context.Context, from, to time.Time) ([]DayCount, error)
	// DailySources returns sessions and exact distinct sources per day of
	// the period, by SourcesByDay, SourcesByFamily or SourcesByPort, ordered
	// by day then key; days without sessions are left out. Another by is an
	// error wrapping ErrBadDimension.
	DailySources(ctx context.Context, by string, from, to time.Time) ([]DailySource, error)
	// Event returns one event by id (the evidence an indicator refers to);
	// ErrNotFound if unknown.
	Event(ctx context.Context, id string) (*event.Event, error)
	// BlockByRef returns the gateway.block event with the reference id its
	// block page showed; ErrNotFound if none.
	BlockByRef(ctx context.Context, ref string) (*event.Event, error)
}

// ErrBadDimension is wrapped by DailySources when asked for a dimension
// it does not know.
var ErrBadDimension = errors.New("unknown dimension: want \"\", family or port")

// Limit applies DefaultLimit and MaxLimit to a requested row count.
func Limit(n int) int { return EventFilter{Limit: n}.Rows() }
