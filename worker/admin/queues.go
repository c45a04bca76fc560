package admin

import (
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// queueFilter passes on only the metrics of some queues, so that a Redis shared with other
// apps does not add their queues to the worker's metrics.
type queueFilter struct {
	prometheus.Collector
	queues map[string]bool
}

func filterQueues(c prometheus.Collector, queues []string) prometheus.Collector {
	f := &queueFilter{Collector: c, queues: make(map[string]bool, len(queues))}
	for _, q := range queues {
		f.queues[q] = true
	}
	return f
}

// Collect forwards the metrics whose "queue" label names one of the queues, and those
// without a queue label.
func (f *queueFilter) Collect(ch chan<- prometheus.Metric) {
	in := make(chan prometheus.Metric)
	go func() {
		f.Collector.Collect(in)
		close(in)
	}()
	for m := range in {
		if q, ok := queueLabel(m); !ok || f.queues[q] {
			ch <- m
		}
	}
}

func queueLabel(m prometheus.Metric) (string, bool) {
	var pb dto.Metric
	if err := m.Write(&pb); err != nil {
		return "", false
	}
	for _, l := range pb.GetLabel() {
		if l.GetName() == "queue" {
			return l.GetValue(), true
		}
	}
	return "", false
}
