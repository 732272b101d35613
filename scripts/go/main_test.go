package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func short(program, strategy string) Settings {
	return Settings{Program: program, Strategy: strategy, Readers: 4, Writers: 2, Keys: 5, DurationMillis: 20, Seed: 1}
}

func TestEveryProgramRunsAndPassesItsChecks(t *testing.T) {
	for _, s := range []Settings{
		short("intmap", "goroutine"), short("intmap", "mutex"), short("intmap", "rwmutex"),
		short("intmap", "syncmap"), short("counter", "goroutine"), short("counter", "mutex"),
		short("counter", "rwmutex"),
	} {
		r, err := run(s)
		if err != nil {
			t.Fatalf("%s %s: %v", s.Program, s.Strategy, err)
		}
		// A writer may get no turn in 20 ms (a reader-held RWMutex, goroutines the
		// scheduler has not run yet): that is a finding, not a failure; doing nothing is.
		if r.ReadOps+r.WriteOps == 0 || r.Checked == "" {
			t.Fatalf("%s %s did no checked work: %+v", s.Program, s.Strategy, r)
		}
	}
}

func TestTheLineProtocolAnswersOneJSONLine(t *testing.T) {
	in, _ := json.Marshal(short("intmap", "goroutine"))
	var out, errOut bytes.Buffer
	if code := serve(bytes.NewReader(append(in, '\n')), &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("want one line, got %q", out.String())
	}
	var r Result
	if err := json.Unmarshal([]byte(lines[0]), &r); err != nil || r.Strategy != "goroutine" || r.GOMAXPROCS < 1 {
		t.Fatalf("not a result line: %q (%v)", lines[0], err)
	}
}

func TestBadSettingsAreUsageErrors(t *testing.T) {
	for in, says := range map[string]string{
		"":                          "no settings line",
		"{\"program\": \"intmap\"":  "not valid",
		"{\"program\": \"tree\"}\n": "unknown program",
		"{\"program\": \"intmap\", \"strategy\": \"goroutine\", \"keys\": 5, \"writers\": 1, \"duration_ms\": 0}\n": "duration_ms",
		"{\"program\": \"counter\", \"strategy\": \"syncmap\"}\n":                                                   "unknown counter strategy",
		"{\"program\": \"intmap\", \"bogus\": 1}\n":                                                                 "unknown field",
	} {
		var out, errOut bytes.Buffer
		if code := serve(strings.NewReader(in), &out, &errOut); code != 2 || !strings.Contains(errOut.String(), says) || out.Len() != 0 {
			t.Errorf("%q: exit %d, stderr %q, stdout %q; want 2 naming %q", in, code, errOut.String(), out.String(), says)
		}
	}
}

// A map that keeps only its first ten writes: the final-state check must catch it.
type droppingMap struct {
	mutexMap
	n int
}

func (m *droppingMap) set(key, value int) {
	m.mu.Lock()
	m.n++
	if m.n <= 10 {
		m.state[key] = value
	}
	m.mu.Unlock()
}

// A map that answers a value no writer wrote (off by seven): the tag must catch it.
type inventingMap struct{ mutexMap }

func (m *inventingMap) get(key int) int { return m.mutexMap.get(key) + 7 }

// A counter that loses increments under its race.
type losingCounter struct{ mutexCounter }

func (c *losingCounter) increment() uint64 {
	c.mu.Lock()
	c.count++
	v := c.count
	if v%3 == 0 {
		c.count--
	}
	c.mu.Unlock()
	return v
}

// A map that answers another key's value.
type crossedMap struct{ mutexMap }

func (m *crossedMap) get(key int) int { return m.mutexMap.get((key + 1) % 5) }

func TestLazyImplementationsFailTheirChecks(t *testing.T) {
	s := short("intmap", "mutex")
	s.Writers, s.Readers = 1, 1
	if _, err := runIntMap(s, &droppingMap{mutexMap: mutexMap{state: map[int]int{}}}); err == nil {
		t.Error("a map dropping writes passed")
	}
	if _, err := runIntMap(s, &inventingMap{mutexMap{state: map[int]int{}}}); err == nil {
		t.Error("a map inventing values passed")
	}
	if _, err := runIntMap(s, &crossedMap{mutexMap{state: map[int]int{}}}); err == nil {
		t.Error("a map answering another key's value passed")
	}
	if _, err := runCounter(short("counter", "mutex"), &losingCounter{}); err == nil {
		t.Error("a counter losing increments passed")
	}
}
