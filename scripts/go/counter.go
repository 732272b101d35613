package main

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// counter is the reference text's counter service, reduced to what both sides run: writers
// increment, readers get.
type counter interface {
	increment() uint64
	get() uint64
	// final returns the count once the clients are done; it ends an owner.
	final() uint64
}

func newCounter(strategy string) counter {
	switch strategy {
	case "goroutine":
		return newOwnedCounter()
	case "mutex":
		return &mutexCounter{}
	default:
		return &rwMutexCounter{}
	}
}

// ownedCounter: one goroutine holds the count; requests carry their reply channels.
type ownedCounter struct {
	requests chan counterRequest
}

type counterRequest struct {
	increment bool
	stop      bool
	reply     chan uint64
}

func newOwnedCounter() *ownedCounter {
	c := &ownedCounter{requests: make(chan counterRequest)}
	go func() {
		var count uint64
		for r := range c.requests {
			if r.increment {
				count++
			}
			r.reply <- count
			if r.stop {
				return
			}
		}
	}()
	return c
}

func (c *ownedCounter) ask(increment, stop bool) uint64 {
	r := counterRequest{increment: increment, stop: stop, reply: make(chan uint64)}
	c.requests <- r
	return <-r.reply
}

func (c *ownedCounter) increment() uint64 { return c.ask(true, false) }
func (c *ownedCounter) get() uint64       { return c.ask(false, false) }
func (c *ownedCounter) final() uint64     { return c.ask(false, true) }

type mutexCounter struct {
	mu    sync.Mutex
	count uint64
}

func (c *mutexCounter) increment() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.count++
	return c.count
}

func (c *mutexCounter) get() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.count
}

func (c *mutexCounter) final() uint64 { return c.get() }

type rwMutexCounter struct {
	mu    sync.RWMutex
	count uint64
}

func (c *rwMutexCounter) increment() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.count++
	return c.count
}

func (c *rwMutexCounter) get() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.count
}

func (c *rwMutexCounter) final() uint64 { return c.get() }

// runCounter checks, as cheaply as the Rust side checks its replies, that no reader sees the
// count go down, that each writer's increments answer ever higher counts, and that the final
// count is every increment made.
func runCounter(s Settings, c counter) (Result, error) {
	sleep := time.Duration(s.SleepMicros) * time.Microsecond
	var bad atomic.Value
	reader := func(_ int, stop *stopFlag) uint64 {
		var n, last uint64
		for !stop.stopped() {
			v := c.get()
			if v < last {
				bad.CompareAndSwap(nil, fmt.Errorf("a reader saw the count go from %d down to %d", last, v))
			}
			last = v
			n++
			if sleep > 0 {
				time.Sleep(sleep)
			}
		}
		return n
	}
	writer := func(_ int, stop *stopFlag) uint64 {
		var n, last uint64
		for !stop.stopped() {
			v := c.increment()
			if v <= last {
				bad.CompareAndSwap(nil, fmt.Errorf("an increment answered %d after one answered %d", v, last))
			}
			last = v
			n++
			if sleep > 0 {
				time.Sleep(sleep)
			}
		}
		return n
	}
	reads, writes, elapsed := clients(s, reader, writer)
	r := Result{ReadOps: reads, WriteOps: writes, ElapsedNS: elapsed.Nanoseconds()}
	if err, _ := bad.Load().(error); err != nil {
		return r, err
	}
	if last := c.final(); last != writes {
		return r, fmt.Errorf("the count ends at %d after %d increments", last, writes)
	}
	r.Checked = fmt.Sprintf("reads never went down, each writer's counts rose, %d increments counted", writes)
	return r, nil
}
