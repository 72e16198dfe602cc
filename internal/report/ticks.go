package report

// Ticks for the value axis: round numbers (1, 2 or 5 times a power of ten
// apart), about four intervals, the top tick at or above the data, so that
// a handful of counts fills the plot rather than hugging its floor.

// yTicks returns the step and the tick values 0, step, ..., top with
// top >= v. Counts are integers, so the step is at least 1.
func yTicks(v int64, intervals int) (step int64, ticks []int64) {
	if intervals < 1 {
		intervals = 4
	}
	if v < 1 {
		v = 1
	}
	step = niceCeil((v + int64(intervals) - 1) / int64(intervals))
	top := (v + step - 1) / step * step
	for t := int64(0); t <= top; t += step {
		ticks = append(ticks, t)
	}
	return step, ticks
}

// niceCeil rounds up to 1, 2 or 5 times a power of ten (at least 1).
func niceCeil(v int64) int64 {
	if v <= 1 {
		return 1
	}
	p := int64(1)
	for p*10 <= v {
		p *= 10
	}
	for _, m := range []int64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// xTicks picks which of n bars get a label: every k-th from the first,
// with k the smallest of 1, 2, 7, 14, 30, ... (whole days and weeks) that
// keeps at most fit labels, so 180 days stay legible.
func xTicks(n, fit int) []int {
	if n <= 0 {
		return nil
	}
	fit = max(fit, 1)
	k := 1
	for _, c := range []int{1, 2, 7, 14, 30, 60, 90, 180, 365} {
		k = c
		if (n+c-1)/c <= fit {
			break
		}
	}
	for (n+k-1)/k > fit { // periods beyond a year
		k *= 2
	}
	var out []int
	for i := 0; i < n; i += k {
		out = append(out, i)
	}
	return out
}
