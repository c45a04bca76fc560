package basiqtest

// at is a heap entry: a job, a consent or a webhook delivery to look at again at a
// Unix-nanosecond instant; seq orders the entries due at the same instant (the deliveries'
// creation order; 0 for the others).
type at[T any] struct {
	nanos int64
	seq   uint64
	v     T
}

func (e at[T]) before(o at[T]) bool {
	return e.nanos < o.nanos || e.nanos == o.nanos && e.seq < o.seq
}

// minHeap is a binary heap of entries by instant, then seq.
type minHeap[T any] []at[T]

func (h *minHeap[T]) push(e at[T]) {
	*h = append(*h, e)
	a := *h
	for i := len(a) - 1; i > 0; {
		p := (i - 1) / 2
		if !a[i].before(a[p]) {
			break
		}
		a[p], a[i] = a[i], a[p]
		i = p
	}
}

// peek returns the first entry's value, and false when the heap is empty.
func (h minHeap[T]) peek() (T, bool) {
	if len(h) == 0 {
		var zero T
		return zero, false
	}
	return h[0].v, true
}

func (h *minHeap[T]) pop() at[T] {
	a := *h
	top, n := a[0], len(a)-1
	a[0] = a[n]
	var zero at[T]
	a[n] = zero
	*h = a[:n]
	h.down(0)
	return top
}

// drop removes the entries whose value gone is true of, and keeps the order of the rest.
func (h *minHeap[T]) drop(gone func(T) bool) {
	a := *h
	keep := a[:0]
	for _, e := range a {
		if !gone(e.v) {
			keep = append(keep, e)
		}
	}
	clear(a[len(keep):])
	*h = keep
	for i := len(keep)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

func (h minHeap[T]) down(i int) {
	for n := len(h); ; {
		l, m := 2*i+1, i
		if l < n && h[l].before(h[m]) {
			m = l
		}
		if l+1 < n && h[l+1].before(h[m]) {
			m = l + 1
		}
		if m == i {
			return
		}
		h[m], h[i] = h[i], h[m]
		i = m
	}
}
