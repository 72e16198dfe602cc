package report

import "github.com/honeygate/honeygate/internal/gateway"

// BlockLine is the reference line of the blocks chart: a day above it
// stands out (the "a line marks 10,000").
const BlockLine = 10000

// BlocksBars draws blocks per day (red: blocked) with the 10,000 line.
func BlocksBars(title string, days []string, rows []gateway.BlockDay) *Bars {
	vals := make([]int64, len(days))
	idx := make(map[string]int, len(days))
	for i, d := range days {
		idx[d] = i
	}
	for _, r := range rows {
		if i, ok := idx[r.Day]; ok {
			vals[i] += r.Blocks
		}
	}
	return &Bars{Title: title, Labels: days, Unit: UnitBlocks, Line: BlockLine, LineLabel: "10,000",
		Series: []Series{{Name: "blocks", Values: vals, Color: Red}}}
}
