package basiqtest

import (
	"net/http"
	"strconv"
	"time"
)

// faultJSON is a Fault as POST /_mock/faults takes it; durations are strings like "250ms".
type faultJSON struct {
	Path         string  `json:"path"`
	Latency      string  `json:"latency"`
	ErrorRate    float64 `json:"errorRate"`
	ErrorStatus  int     `json:"errorStatus"`
	RateLimit    int     `json:"rateLimit"`
	ThrottleRate float64 `json:"throttleRate"`
	RetryAfter   string  `json:"retryAfter"`
	DropRate     float64 `json:"dropRate"`
}

func (f faultJSON) fault(i int) (Fault, *apiError) {
	out := Fault{Path: f.Path, ErrorRate: f.ErrorRate, ErrorStatus: f.ErrorStatus, RateLimit: f.RateLimit,
		ThrottleRate: f.ThrottleRate, DropRate: f.DropRate}
	var err error
	if f.Latency != "" {
		if out.Latency, err = time.ParseDuration(f.Latency); err != nil {
			return Fault{}, errNotValid(pointer("/"+itoa(i)+"/latency"), "latency is not a duration: "+f.Latency)
		}
	}
	if f.RetryAfter != "" {
		if out.RetryAfter, err = time.ParseDuration(f.RetryAfter); err != nil {
			return Fault{}, errNotValid(pointer("/"+itoa(i)+"/retryAfter"), "retryAfter is not a duration: "+f.RetryAfter)
		}
	}
	return out, nil
}

// postFaults replaces the faults with a JSON array of faultJSON (an empty array clears them).
func (s *Server) postFaults(w http.ResponseWriter, r *http.Request) *apiError {
	var in []faultJSON
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	out := make([]Fault, len(in))
	for i, f := range in {
		var err *apiError
		if out[i], err = f.fault(i); err != nil {
			return err
		}
	}
	s.SetFaults(out...)
	writeJSON(w, 200, in)
	return nil
}

func itoa(i int) string { return strconv.Itoa(i) }
