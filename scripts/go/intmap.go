package main

import (
	"fmt"
	"sync"
	"sync/atomic"
)

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

// A written value names its client, its sequence number and, in its low byte, a tag of both
// and of the key it was written to: (client+1) << 40 | seq << 8 | tag. Every value a get sees
// must be 0 (never written; only without a prefill) or one a client can have written to that
// key, tag and all; the prefill writes as client `clients` with sequence 0. The final state must
// hold, for every key, the last value some client wrote to it, or its prefilled value.
func written(client, seq, key int) int {
	return (client+1)<<40 | (seq&(1<<32-1))<<8 | tag(client, seq, key)
}

func tag(client, seq, key int) int {
	h := uint32(client)*0x9e3779b1 ^ uint32(seq)*0x85ebca6b ^ uint32(key)*0xc2b2ae35
	h ^= h >> 15
	return int(h & 0xff)
}

// readable says whether v can be what a get of key sees, with clients clients.
func readable(v, key, clients int, prefill bool) bool {
	if v == 0 {
		return !prefill
	}
	c, seq := v>>40-1, (v>>8)&(1<<32-1)
	if c == clients {
		return prefill && seq == 0 && v&0xff == tag(c, 0, key)
	}
	return c >= 0 && c < clients && v&0xff == tag(c, seq, key)
}

// The int map's kinds, as indexed in kinds["intmap"].
const (
	kindGet = iota
	kindSet
)

func runIntMap(s Settings, m intMap) (Result, error) {
	total := 0
	for _, g := range s.Groups {
		total += g.Clients
	}
	if s.Prefill {
		for k := 0; k < s.Keys; k++ {
			m.set(k, written(total, 0, k))
		}
	}
	var bad atomic.Value // the first wrong reply, as an error
	var r Result
	all := clients(s, &r, func(c *client, st step) {
		if c.own == nil {
			c.own = make([]uint64, s.Keys)
		}
		if st.kind == kindGet {
			v := m.get(st.key)
			if !readable(v, st.key, total, s.Prefill) {
				bad.CompareAndSwap(nil, fmt.Errorf("key %d read %d, which no client wrote", st.key, v))
			}
			// A value of this client's own must be its latest write to the key: an older
			// one is a stale read, whatever the others did (their values name them).
			if mine := c.own[st.key]; mine != 0 {
				if v>>40-1 == c.id {
					if uint64((v>>8)&(1<<32-1)) != mine&(1<<32-1) {
						bad.CompareAndSwap(nil, fmt.Errorf("a stale read: key %d read this client's set %d after its set %d", st.key, (v>>8)&(1<<32-1), mine))
					}
				} else {
					c.notAlone++
				}
			}
			return
		}
		c.sets++
		m.set(st.key, written(c.id, int(c.sets), st.key))
		c.own[st.key] = c.sets
	})
	if err, _ := bad.Load().(error); err != nil {
		return r, err
	}
	if total == 1 && all[0].notAlone > 0 {
		return r, fmt.Errorf("%d gets of a lone client read something other than its own latest write to the key", all[0].notAlone)
	}
	// Each client's last write to each key, from where it stopped in its plan: walking back
	// over at most one lap, the first set seen to a key is the client's last one to it, and
	// its sequence number counts down from the client's sets. Nothing is recorded in the loop.
	lastWrites := make([]map[int]int, len(all))
	for i, c := range all {
		mine := map[int]int{}
		seq := c.sets
		for back := uint64(1); back <= c.applied && back <= planLen; back++ {
			st := c.plan[(c.applied-back)%planLen]
			if st.kind != kindSet {
				continue
			}
			if _, seen := mine[st.key]; !seen {
				mine[st.key] = written(c.id, int(seq), st.key)
			}
			seq--
		}
		lastWrites[i] = mine
	}
	final := m.snapshot()
	for k := 0; k < s.Keys; k++ {
		v, ok := final[k]
		wroteAny, someone := false, false
		for _, mine := range lastWrites {
			if last, wrote := mine[k]; wrote {
				wroteAny = true
				someone = someone || last == v
			}
		}
		switch {
		case wroteAny && (!ok || !someone):
			return r, fmt.Errorf("key %d ends at %d, no client's last write to it", k, v)
		case !wroteAny && s.Prefill && v != written(total, 0, k):
			return r, fmt.Errorf("key %d ends at %d, but nobody wrote over its prefilled value", k, v)
		case !wroteAny && !s.Prefill && ok:
			return r, fmt.Errorf("key %d ends at %d, but no client wrote it", k, v)
		}
	}
	if len(final) > s.Keys {
		return r, fmt.Errorf("the map ends with %d keys, more than the %d written", len(final), s.Keys)
	}
	r.Checked = fmt.Sprintf("every get a written value; each of %d keys ends at a client's last write", s.Keys)
	return r, nil
}
