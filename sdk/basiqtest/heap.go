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
