package main

import (
	"bufio"
	"encoding/json"
	"os"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
	"github.com/basiq-worker/basiq-worker/tasks"
)

// jobRow is one line of -dump-file: what the server did and what the worker saw.
type jobRow struct {
	TaskID     string                  `json:"taskId"`
	EnqueuedAt time.Time               `json:"enqueuedAt"`
	Job        basiqtest.JobStats      `json:"job"`
	JobID      string                  `json:"jobId"`
	Polls      int                     `json:"polls"`
	Steps      []tasks.StepObservation `json:"steps"`
	FinishedAt time.Time               `json:"finishedAt"`
	ReceivedAt time.Time               `json:"receivedAt"`
}

func dumpJobs(path string, enq map[string]time.Time, col *collector, st basiqtest.Stats) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for id, r := range col.results {
		row := jobRow{TaskID: id, EnqueuedAt: enq[id], Job: st.Jobs[r.JobID], JobID: r.JobID, Polls: r.Polls,
			Steps: r.Steps, FinishedAt: r.FinishedAt, ReceivedAt: col.seenAt[id]}
		if err := enc.Encode(row); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
