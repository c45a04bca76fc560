package basiqtest

// at is a heap entry: a job or a consent to look at again at a Unix-nanosecond instant (16
// bytes, since every job has one while it runs).
type at[T any] struct {
	nanos int64
	v     T
}

// minHeap is a binary heap of entries by instant.
type minHeap[T any] []at[T]

func (h *minHeap[T]) push(e at[T]) {
	*h = append(*h, e)
	a := *h
	for i := len(a) - 1; i > 0; {
		p := (i - 1) / 2
		if a[p].nanos <= a[i].nanos {
			break
		}
		a[p], a[i] = a[i], a[p]
		i = p
	}
}

func (h *minHeap[T]) pop() at[T] {
	a := *h
	top, n := a[0], len(a)-1
	a[0] = a[n]
	var zero at[T]
	a[n] = zero
	a = a[:n]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < n && a[l].nanos < a[m].nanos {
			m = l
		}
		if l+1 < n && a[l+1].nanos < a[m].nanos {
			m = l + 1
		}
		if m == i {
			break
		}
		a[m], a[i] = a[i], a[m]
		i = m
	}
	*h = a
	return top
}

// deliveryHeap holds webhook deliveries by next attempt, then creation order.
type deliveryHeap []*delivery

func (h deliveryHeap) less(i, j int) bool {
	a, b := h[i], h[j]
	return a.next.Before(b.next) || a.next.Equal(b.next) && a.seq < b.seq
}

func (h *deliveryHeap) push(d *delivery) {
	*h = append(*h, d)
	h.up(len(*h) - 1)
}

func (h deliveryHeap) peek() *delivery {
	if len(h) == 0 {
		return nil
	}
	return h[0]
}

func (h *deliveryHeap) pop() *delivery {
	a := *h
	top, n := a[0], len(a)-1
	a[0], a[n] = a[n], nil
	*h = a[:n]
	h.down(0)
	return top
}

// drop removes the deliveries for which gone is true.
func (h *deliveryHeap) drop(gone func(*delivery) bool) {
	a := *h
	keep := a[:0]
	for _, d := range a {
		if !gone(d) {
			keep = append(keep, d)
		}
	}
	clear(a[len(keep):])
	*h = keep
	for i := len(keep)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

func (h deliveryHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(i, p) {
			return
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func (h deliveryHeap) down(i int) {
	for n := len(h); ; {
		l, m := 2*i+1, i
		if l < n && h.less(l, m) {
			m = l
		}
		if l+1 < n && h.less(l+1, m) {
			m = l + 1
		}
		if m == i {
			return
		}
		h[m], h[i] = h[i], h[m]
		i = m
	}
}
