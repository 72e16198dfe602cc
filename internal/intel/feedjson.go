package intel

import "encoding/json"

// MarshalJSON writes a feed's durations as the config spells them ("1h0m0s",
// "30m0s"), not as nanoseconds: GET /api/v1/intel/feeds is read by people.
func (f FeedConfig) MarshalJSON() ([]byte, error) {
	type plain FeedConfig // the same fields, without this method
	out := struct {
		plain
		Every string `json:"every"`
		TTL   string `json:"ttl,omitempty"`
	}{plain: plain(f), Every: f.Every.String()}
	if f.TTL > 0 {
		out.TTL = f.TTL.String()
	}
	return json.Marshal(out)
}
