package main

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// counter is the reference text's counter service: increment, get, reset.
type counter interface {
	increment() uint64
	get() uint64
	// reset sets the count to zero and answers the count it took away.
	reset() uint64
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
	op    counterOp
	reply chan uint64
}

type counterOp int

const (
	opGet counterOp = iota
	opIncrement
	opReset
	opStop
)

func newOwnedCounter() *ownedCounter {
	c := &ownedCounter{requests: make(chan counterRequest)}
	go func() {
		var count uint64
		for r := range c.requests {
			switch r.op {
			case opIncrement:
				count++
				r.reply <- count
			case opReset:
				r.reply <- count
				count = 0
			default:
				r.reply <- count
			}
			if r.op == opStop {
				return
			}
		}
	}()
	return c
}

func (c *ownedCounter) ask(op counterOp) uint64 {
	r := counterRequest{op: op, reply: make(chan uint64)}
	c.requests <- r
	return <-r.reply
}

func (c *ownedCounter) increment() uint64 { return c.ask(opIncrement) }
func (c *ownedCounter) get() uint64       { return c.ask(opGet) }
func (c *ownedCounter) reset() uint64     { return c.ask(opReset) }
func (c *ownedCounter) final() uint64     { return c.ask(opStop) }

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

func (c *mutexCounter) reset() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.count
	c.count = 0
	return old
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

func (c *rwMutexCounter) reset() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.count
	c.count = 0
	return old
}

func (c *rwMutexCounter) final() uint64 { return c.get() }

// The counter's kinds, as indexed in kinds["counter"].
const (
	kindIncrement = iota
	kindCounterGet
	kindReset
)

// runCounter checks, as the Rust side does, that every increment is accounted for: the final
// count plus every count a reset took away is the number of increments made. Without resets in
// any mix, it checks too that no client sees the count go down and each client's increments
// answer ever higher counts.
func runCounter(s Settings, c counter) (Result, error) {
	resets := false
	for _, g := range s.Groups {
		for _, m := range g.Mix {
			resets = resets || (m.Op == "reset" && m.Percent > 0)
		}
	}
	var bad atomic.Value
	var r Result
	all := clients(s, &r, func(cl *client, st step) {
		switch st.kind {
		case kindIncrement:
			v := c.increment()
			cl.increments++
			cl.ownCount++
			if !resets && v <= cl.last {
				bad.CompareAndSwap(nil, fmt.Errorf("an increment answered %d after this client saw %d", v, cl.last))
			}
			cl.seen(v)
		case kindCounterGet:
			v := c.get()
			if !resets && v < cl.last {
				bad.CompareAndSwap(nil, fmt.Errorf("a get saw the count go from %d down to %d", cl.last, v))
			}
			cl.seen(v)
		case kindReset:
			v := c.reset()
			cl.taken += v
			cl.seen(v)
			cl.ownCount = 0
		}
	})
	if err, _ := bad.Load().(error); err != nil {
		return r, err
	}
	var made, gone, largest uint64
	for _, cl := range all {
		made += cl.increments
		gone += cl.taken
		largest = max(largest, cl.largest)
	}
	// No reply shows more than every increment made; a client alone sees its own count.
	if largest > made {
		return r, fmt.Errorf("a reply showed a count of %d after only %d increments", largest, made)
	}
	if len(all) == 1 && all[0].notAlone > 0 {
		return r, fmt.Errorf("%d replies to a lone client differed from its own count", all[0].notAlone)
	}
	if final := c.final(); final+gone != made {
		return r, fmt.Errorf("the count ends at %d and resets took %d, after %d increments", final, gone, made)
	}
	r.Checked = fmt.Sprintf("%d increments accounted for by the final count and the resets", made)
	return r, nil
}

// seen notes a count a reply showed: the largest so far, and whether a client alone could have
// seen it (its own increments since its own last reset).
func (cl *client) seen(v uint64) {
	cl.last = v
	cl.largest = max(cl.largest, v)
	if v != cl.ownCount {
		cl.notAlone++
	}
}
