package report

import "github.com/honeygate/honeygate/internal/crawl"

// CellCounts counts the cells of a tampering matrix by the state it draws
// them in, so that a legend names a number beside every colour it shows.
type CellCounts struct {
	Malicious, Suspicious, Error, Clean int64
	// NotVisited is a day without a verdict: drawn as paper.
	NotVisited int64
}

// CountCells counts m's cells by state.
func CountCells(m *crawl.Matrix) CellCounts {
	var c CellCounts
	for _, row := range m.Sites {
		for _, cell := range row.Cells {
			switch cell.Verdict {
			case crawl.Malicious:
				c.Malicious++
			case crawl.Suspicious:
				c.Suspicious++
			case crawl.Error:
				c.Error++
			case crawl.Clean:
				c.Clean++
			default:
				c.NotVisited++
			}
		}
		// A row shorter than the days (it should not be) leaves days unvisited.
		c.NotVisited += int64(max(0, len(m.Days)-len(row.Cells)))
	}
	return c
}
