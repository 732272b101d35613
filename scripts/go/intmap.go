package main

import (
	"fmt"
	"math/rand"
	"sync"
	"sync/atomic"
	"time"
)

// stopFlag closes the measured window: clients check it before every operation.
type stopFlag struct{ done atomic.Bool }

func (f *stopFlag) set()          { f.done.Store(true) }
func (f *stopFlag) stopped() bool { return f.done.Load() }

// intMap is the reference text's state: a map from int keys to int values.
type intMap interface {
	get(key int) int
	set(key, value int)
	// snapshot returns a copy of the state once the clients are done; it ends an owner.
	snapshot() map[int]int
}

func newIntMap(strategy string) intMap {
	switch strategy {
	case "goroutine":
		return newOwnedMap()
	case "mutex":
		return &mutexMap{state: map[int]int{}}
	case "rwmutex":
		return &rwMutexMap{state: map[int]int{}}
	default:
		return &syncMap{}
	}
}

// ownedMap: one goroutine alone holds the map; a read or a write is a request on its channel
// carrying the channel of its reply, as in the reference text.
type ownedMap struct {
	reads  chan mapRead
	writes chan mapWrite
	done   chan chan map[int]int
}

type mapRead struct {
	key   int
	reply chan int
}

type mapWrite struct {
	key, value int
	reply      chan struct{}
}

func newOwnedMap() *ownedMap {
	m := &ownedMap{
		reads:  make(chan mapRead),
		writes: make(chan mapWrite),
		done:   make(chan chan map[int]int),
	}
	go func() {
		state := map[int]int{}
		for {
			select {
			case r := <-m.reads:
				r.reply <- state[r.key]
			case w := <-m.writes:
				state[w.key] = w.value
				w.reply <- struct{}{}
			case last := <-m.done:
				last <- state
				return
			}
		}
	}()
	return m
}

func (m *ownedMap) get(key int) int {
	r := mapRead{key: key, reply: make(chan int)}
	m.reads <- r
	return <-r.reply
}

func (m *ownedMap) set(key, value int) {
	w := mapWrite{key: key, value: value, reply: make(chan struct{})}
	m.writes <- w
	<-w.reply
}

func (m *ownedMap) snapshot() map[int]int {
	last := make(chan map[int]int)
	m.done <- last
	return <-last
}

type mutexMap struct {
	mu    sync.Mutex
	state map[int]int
}

func (m *mutexMap) get(key int) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.state[key]
}

func (m *mutexMap) set(key, value int) {
	m.mu.Lock()
	m.state[key] = value
	m.mu.Unlock()
}

func (m *mutexMap) snapshot() map[int]int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return copyMap(m.state)
}

type rwMutexMap struct {
	mu    sync.RWMutex
	state map[int]int
}

func (m *rwMutexMap) get(key int) int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.state[key]
}

func (m *rwMutexMap) set(key, value int) {
	m.mu.Lock()
	m.state[key] = value
	m.mu.Unlock()
}

func (m *rwMutexMap) snapshot() map[int]int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return copyMap(m.state)
}

type syncMap struct{ m sync.Map }

func (m *syncMap) get(key int) int {
	v, ok := m.m.Load(key)
	if !ok {
		return 0
	}
	return v.(int)
}

func (m *syncMap) set(key, value int) { m.m.Store(key, value) }

func (m *syncMap) snapshot() map[int]int {
	out := map[int]int{}
	m.m.Range(func(k, v any) bool {
		out[k.(int)] = v.(int)
		return true
	})
	return out
}

func copyMap(m map[int]int) map[int]int {
	out := make(map[int]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// A written value names its writer, its sequence number and, in its low byte, a tag of both
// and of the key it was written to: (writer+1) << 40 | seq << 8 | tag. Every value a reader
// sees must be 0 (never written) or one a writer can have written to that key, tag and all;
// the final state must hold, for every key, the last value some writer wrote to it.
func written(writer, seq, key int) int {
	return (writer+1)<<40 | (seq&(1<<32-1))<<8 | tag(writer, seq, key)
}

func tag(writer, seq, key int) int {
	h := uint32(writer)*0x9e3779b1 ^ uint32(seq)*0x85ebca6b ^ uint32(key)*0xc2b2ae35
	h ^= h >> 15
	return int(h & 0xff)
}

// readable says whether v can be what a reader of key sees, with writers writers.
func readable(v, key, writers int) bool {
	if v == 0 {
		return true
	}
	w := v>>40 - 1
	return w >= 0 && w < writers && v&0xff == tag(w, (v>>8)&(1<<32-1), key)
}

func runIntMap(s Settings, m intMap) (Result, error) {
	sleep := time.Duration(s.SleepMicros) * time.Microsecond
	var bad atomic.Value // the first wrong reply, as an error
	lastWrites := make([]map[int]int, s.Writers)
	reader := func(id int, stop *stopFlag) uint64 {
		rng := rand.New(rand.NewSource(s.Seed ^ int64(id)<<1))
		var n uint64
		for !stop.stopped() {
			k := rng.Intn(s.Keys)
			v := m.get(k)
			if !readable(v, k, s.Writers) {
				bad.CompareAndSwap(nil, fmt.Errorf("key %d read %d, which no writer wrote", k, v))
			}
			n++
			if sleep > 0 {
				time.Sleep(sleep)
			}
		}
		return n
	}
	writer := func(id int, stop *stopFlag) uint64 {
		rng := rand.New(rand.NewSource(s.Seed ^ (int64(id)<<1 | 1)))
		mine := map[int]int{}
		var n uint64
		for !stop.stopped() {
			k := rng.Intn(s.Keys)
			v := written(id, int(n)+1, k)
			m.set(k, v)
			mine[k] = v
			n++
			if sleep > 0 {
				time.Sleep(sleep)
			}
		}
		lastWrites[id] = mine
		return n
	}
	reads, writes, elapsed := clients(s, reader, writer)
	r := Result{ReadOps: reads, WriteOps: writes, ElapsedNS: elapsed.Nanoseconds()}
	if err, _ := bad.Load().(error); err != nil {
		return r, err
	}
	final := m.snapshot()
	for k := 0; k < s.Keys; k++ {
		v, ok := final[k]
		someone := false
		for _, mine := range lastWrites {
			if last, wrote := mine[k]; wrote && last == v {
				someone = true
			}
		}
		wroteAny := false
		for _, mine := range lastWrites {
			if _, wrote := mine[k]; wrote {
				wroteAny = true
			}
		}
		if wroteAny && (!ok || !someone) {
			return r, fmt.Errorf("key %d ends at %d, no writer's last write to it", k, v)
		}
		if !wroteAny && ok {
			return r, fmt.Errorf("key %d ends at %d, but no writer wrote it", k, v)
		}
	}
	r.Checked = fmt.Sprintf("every read a written value; each of %d keys ends at a writer's last write", s.Keys)
	return r, nil
}
