package crawl

import (
	"context"
	"fmt"
	"time"
)

// Daily runs a round every day at the time of day at (UTC), and prunes
// captures older than retainDays (0 keeps everything), until ctx ends.
func (cr *Crawler) Daily(ctx context.Context, at time.Duration, retainDays int) error {
	for {
		now := time.Now().UTC()
		next := now.Truncate(24 * time.Hour).Add(at)
		if !next.After(now) {
			next = next.Add(24 * time.Hour)
		}
		t := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		day := next.Format(DayFormat)
		sum, err := cr.Round(ctx, day)
		if cr.Log != nil {
			if err != nil {
				cr.Log.Error("crawl: daily round", "day", day, "err", err)
			} else {
				cr.Log.Info("crawl: daily round", "day", day, "sites", sum.Sites, "malicious", sum.Verdicts[Malicious], "suspicious", sum.Verdicts[Suspicious], "errors", sum.Verdicts[Error], "seconds", sum.Duration)
			}
		}
		if retainDays > 0 {
			if err := cr.Prune(ctx, next.AddDate(0, 0, -retainDays).Format(DayFormat)); err != nil && cr.Log != nil {
				cr.Log.Error("crawl: prune", "err", err)
			}
		}
	}
}

// Prune deletes visits of days before day, then the bodies no stored visit
// references any more.
func (cr *Crawler) Prune(ctx context.Context, before string) error {
	if cr.Store == nil {
		return nil
	}
	if _, err := cr.Store.PruneBefore(ctx, before); err != nil {
		return fmt.Errorf("crawl: prune: %w", err)
	}
	if cr.Blobs == nil {
		return nil
	}
	keep, err := cr.Store.Hashes(ctx)
	if err != nil {
		return fmt.Errorf("crawl: prune: %w", err)
	}
	_, err = cr.Blobs.Prune(func(h string) bool { return keep[h] }, time.Hour)
	return err
}
