package config

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Queues maps queue names to asynq priorities. It decodes "name:priority,...".
type Queues map[string]int

// Decode parses "name:priority,..." (a name alone has priority 1).
func (q *Queues) Decode(s string) error {
	if strings.TrimSpace(s) == "" {
		return errors.New("at least one queue required")
	}
	out := Queues{}
	for _, part := range strings.Split(s, ",") {
		name, prio, hasPrio := strings.Cut(strings.TrimSpace(part), ":")
		if name == "" {
			return errors.New("empty queue name")
		}
		n := 1
		if hasPrio {
			var err error
			if n, err = strconv.Atoi(prio); err != nil || n <= 0 {
				return fmt.Errorf("queue %q: priority must be an integer > 0", name)
			}
		}
		out[name] = n
	}
	*q = out
	return nil
}

// String returns "name:priority,..." sorted by name.
func (q Queues) String() string {
	parts := make([]string, 0, len(q))
	for name, p := range q {
		parts = append(parts, name+":"+strconv.Itoa(p))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// stepRetries is STEP_RETRIES onto worker.Config.StepRetries, where 0
// means the default and a negative number none: STEP_RETRIES=0 is none.
type stepRetries int

// Decode parses a number of refreshes >= 0.
func (s *stepRetries) Decode(raw string) error {
	n, err := strconv.Atoi(raw)
	switch {
	case err != nil:
		return errors.New("not an integer")
	case n < 0:
		return errors.New("must be >= 0")
	case n == 0:
		n = -1
	}
	*s = stepRetries(n)
	return nil
}

// String is the variable's value: 0 for none.
func (s stepRetries) String() string { return strconv.Itoa(max(int(s), 0)) }
