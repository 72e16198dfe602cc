package report

import (
	"cmp"
	"image/color"
	"slices"

	"github.com/honeygate/honeygate/internal/gateway"
)

// BlockLine is the reference line of the blocks chart: a day above it
// stands out (the "a line marks 10,000").
const BlockLine = 10000

// maxBlockCategories is how many categories the blocks chart stacks by
// name; the rest are one layer, OtherCategory.
const maxBlockCategories = 5

// OtherCategory is the stack layer of the categories past the largest
// maxBlockCategories; Uncategorized names blocks whose indicator had none.
const (
	OtherCategory = "other"
	Uncategorized = "uncategorized"
)

// blockReds are the category layers, largest first: all reds, since red
// means blocked, told apart by lightness; the last is "other".
var blockReds = []color.RGBA{
	Red, {0xe5, 0x73, 0x73, 0xff}, {0x8e, 0x1b, 0x1b, 0xff}, {0xf4, 0xb0, 0xb0, 0xff}, {0xb8, 0x54, 0x3c, 0xff},
	{0xd8, 0xc4, 0xc4, 0xff},
}

// BlocksBars draws blocks per day stacked by category (the largest over
// the period at the bottom, at most five by name, the rest as "other"),
// with a legend and the 10,000 line. Without any block it draws one empty
// series.
func BlocksBars(title string, days []string, rows []gateway.BlockDayCategory) *Bars {
	idx := make(map[string]int, len(days))
	for i, d := range days {
		idx[d] = i
	}
	totals := map[string]int64{}
	for _, r := range rows {
		if _, ok := idx[r.Day]; ok && r.Blocks > 0 {
			totals[catName(r.Category)] += r.Blocks
		}
	}
	b := &Bars{Title: title, Labels: days, Unit: UnitBlocks, Line: BlockLine, LineLabel: "10,000"}
	if len(totals) == 0 {
		b.Series = []Series{{Name: "blocks", Values: make([]int64, len(days)), Color: Red}}
		return b
	}
	cats := make([]string, 0, len(totals))
	for c := range totals {
		cats = append(cats, c)
	}
	slices.SortFunc(cats, func(a, b string) int {
		if c := cmp.Compare(totals[b], totals[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	layer := map[string]int{}
	for i, c := range cats {
		if i >= maxBlockCategories && len(cats) > maxBlockCategories+1 {
			layer[c] = maxBlockCategories
			continue
		}
		layer[c] = i
		b.Series = append(b.Series, Series{Name: c, Values: make([]int64, len(days)), Color: blockReds[i]})
	}
	if len(cats) > maxBlockCategories+1 {
		b.Series = append(b.Series, Series{Name: OtherCategory, Values: make([]int64, len(days)), Color: blockReds[maxBlockCategories]})
	}
	for _, r := range rows {
		if i, ok := idx[r.Day]; ok && r.Blocks > 0 {
			b.Series[layer[catName(r.Category)]].Values[i] += r.Blocks
		}
	}
	b.Legend = true
	return b
}

func catName(c string) string {
	if c == "" {
		return Uncategorized
	}
	return c
}
