// Package basiqtest is a stateful in-memory fake of the Basiq API.
package basiqtest
