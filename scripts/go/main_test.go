package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// short is the reference program's shape, small: 4 readers get, 2 writers write.
func short(program, strategy string) Settings {
	write := "set"
	if program == "counter" {
		write = "increment"
	}
	return Settings{Program: program, Strategy: strategy, Groups: []Group{
		{Role: "readers", Clients: 4, Mix: []MixEntry{{"get", 100}}},
		{Role: "writers", Clients: 2, Mix: []MixEntry{{write, 100}}},
	}, Keys: 5, WarmupMillis: 5, DurationMillis: 20, Seed: 1}
}

// mixed is statebench's everyday shape: every client mixes reads and writes (and, for the
// counter, resets) over a prefilled map.
func mixed(program, strategy string) Settings {
	mix := []MixEntry{{"get", 95}, {"set", 5}}
	if program == "counter" {
		mix = []MixEntry{{"increment", 50}, {"get", 45}, {"reset", 5}}
	}
	return Settings{Program: program, Strategy: strategy, Groups: []Group{
		{Role: "clients", Clients: 3, Mix: mix},
	}, Keys: 100, Prefill: true, DurationMillis: 20, Seed: 2}
}

func ops(r Result) (n uint64) {
	for _, v := range r.Ops {
		n += v
	}
	return n
}

func TestEveryProgramRunsAndPassesItsChecks(t *testing.T) {
	var all []Settings
	for _, shape := range []func(string, string) Settings{short, mixed} {
		for _, st := range []string{"goroutine", "mutex", "rwmutex", "syncmap"} {
			all = append(all, shape("intmap", st))
			if st != "syncmap" {
				all = append(all, shape("counter", st))
			}
		}
	}
	for _, s := range all {
		r, err := run(s)
		if err != nil {
			t.Fatalf("%s %s: %v", s.Program, s.Strategy, err)
		}
		// A writer may get no turn in 20 ms (a reader-held RWMutex, goroutines the
		// scheduler has not run yet): that is a finding, not a failure; doing nothing is.
		if ops(r) == 0 || r.Checked == "" || r.ElapsedNS < 20_000_000 || r.CPUNS <= 0 {
			t.Fatalf("%s %s did no checked work in its window: %+v", s.Program, s.Strategy, r)
		}
		if _, counted := r.Ops["get"]; !counted {
			t.Fatalf("%s %s does not count its gets: %+v", s.Program, s.Strategy, r.Ops)
		}
		// Every operation of the window was timed (sample_every 0), and nothing else.
		all := r.Latency["all"]
		if all.Count != ops(r) || all.P50NS == 0 || all.P50NS > all.P99NS || all.P99NS > all.MaxNS || r.TimedOneIn != 1 {
			t.Fatalf("%s %s: %d ops, latency %+v, one in %d timed", s.Program, s.Strategy, ops(r), all, r.TimedOneIn)
		}
	}
}

func TestOneInSampleEveryIsTimed(t *testing.T) {
	s := mixed("intmap", "mutex")
	s.SampleEvery = 100 // rounded up to 128
	r, err := run(s)
	if err != nil {
		t.Fatal(err)
	}
	n, timed := ops(r), r.Latency["all"].Count
	if r.TimedOneIn != 128 || timed == 0 || timed > n/64 {
		t.Fatalf("%d of %d ops timed, one in %d", timed, n, r.TimedOneIn)
	}
}

func TestPercentilesAreTheSortedSamplesRanks(t *testing.T) {
	var v []int64
	for i := int64(1000); i >= 1; i-- {
		v = append(v, i)
	}
	l := summarize(v)
	if l.Count != 1000 || l.P50NS != 500 || l.P90NS != 900 || l.P99NS != 990 || l.P999NS != 999 || l.MaxNS != 1000 || l.MeanNS != 500.5 {
		t.Fatalf("%+v", l)
	}
}

func TestTheSleepFloorSleeps(t *testing.T) {
	s := Settings{Program: "sleep", Strategy: "sleep", Groups: []Group{{Role: "sleeper", Clients: 1, Mix: []MixEntry{{"sleep", 100}}}}, SleepMicros: 1000, DurationMillis: 30}
	r, err := run(s)
	if err != nil {
		t.Fatal(err)
	}
	if n := r.Ops["sleep"]; n != 30 || r.ElapsedNS < 30_000_000 {
		t.Fatalf("%d sleeps of 1 ms in %d ns; want 30 in at least 30 ms", n, r.ElapsedNS)
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
		"{\"program\": \"intmap\", \"strategy\": \"goroutine\", \"keys\": 5, \"groups\": [{\"clients\": 1, \"mix\": [{\"op\": \"get\", \"percent\": 100}]}], \"duration_ms\": 0}\n": "duration_ms",
		"{\"program\": \"intmap\", \"strategy\": \"goroutine\", \"keys\": 5, \"groups\": [{\"clients\": 1, \"mix\": [{\"op\": \"get\", \"percent\": 90}]}], \"duration_ms\": 5}\n":  "adds up to 90",
		"{\"program\": \"counter\", \"strategy\": \"mutex\", \"groups\": [{\"clients\": 1, \"mix\": [{\"op\": \"set\", \"percent\": 100}]}], \"duration_ms\": 5}\n":                 "no operation \"set\"",
		"{\"program\": \"intmap\", \"strategy\": \"mutex\", \"keys\": 5, \"duration_ms\": 5}\n":                                                                                     "at least one client group",
		"{\"program\": \"counter\", \"strategy\": \"syncmap\"}\n":                                                                                                                   "unknown counter strategy",
		"{\"program\": \"intmap\", \"bogus\": 1}\n": "unknown field",
		"{\"program\": \"intmap\", \"strategy\": \"goroutine\", \"keys\": 5, \"groups\": [{\"clients\": 1, \"mix\": [{\"op\": \"get\", \"percent\": 100}]}], \"duration_ms\": 5, \"cover_ms\": -1}\n": "cover_ms",
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
	s.Groups[0].Clients, s.Groups[1].Clients = 1, 1
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
	// The mixed shape: a prefilled map, every client writing, the counter resetting.
	m := mixed("intmap", "mutex")
	m.Keys = 5
	if _, err := runIntMap(m, &crossedMap{mutexMap{state: map[int]int{}}}); err == nil {
		t.Error("a prefilled map answering another key's value passed")
	}
	if _, err := runIntMap(m, &forgettingMap{mutexMap: mutexMap{state: map[int]int{}}}); err == nil {
		t.Error("a map losing its prefill passed")
	}
	if _, err := runCounter(mixed("counter", "mutex"), &losingCounter{}); err == nil {
		t.Error("a resetting counter losing increments passed")
	}
	if _, err := runCounter(mixed("counter", "mutex"), &shortResetCounter{}); err == nil {
		t.Error("a counter whose reset answers less than it took passed")
	}
	// Stale reads: a client that reads an older value of its own after a newer write; a
	// client alone that reads anything but its own latest write, or count.
	for _, clients := range []int{1, 3} {
		m := mixed("intmap", "mutex")
		m.Groups[0].Clients = clients
		m.Groups[0].Mix = []MixEntry{{"get", 50}, {"set", 50}}
		m.Keys = 5
		_, err := runIntMap(m, &staleMap{mutexMap: mutexMap{state: map[int]int{}}})
		if err == nil {
			t.Errorf("a map reading from a stale snapshot passed with %d clients", clients)
		}
	}
	lone := mixed("counter", "mutex")
	lone.Groups[0].Clients = 1
	if _, err := runCounter(lone, &staleCounter{}); err == nil {
		t.Error("a counter whose gets lag passed with one client")
	}
}

// A map whose gets read a snapshot taken every 16 sets.
type staleMap struct {
	mutexMap
	snap map[int]int
	sets int
}

func (m *staleMap) get(key int) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.snap == nil || m.sets >= 16 {
		m.snap, m.sets = copyMap(m.state), 0
	}
	return m.snap[key]
}

func (m *staleMap) set(key, value int) {
	m.mu.Lock()
	m.state[key] = value
	m.sets++
	m.mu.Unlock()
}

// A counter whose gets answer the count as of every eighth increment.
type staleCounter struct {
	mutexCounter
	shown uint64
}

func (c *staleCounter) get() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.count%8 == 0 {
		c.shown = c.count
	}
	return c.shown
}

// A map that forgets key 0's value until something writes it again: a miss on a prefilled key.
type forgettingMap struct {
	mutexMap
	once bool
}

func (m *forgettingMap) set(key, value int) {
	m.mu.Lock()
	if key == 0 && !m.once {
		m.once = true
	} else {
		m.state[key] = value
	}
	m.mu.Unlock()
}

// A counter whose reset answers one less than the count it took away.
type shortResetCounter struct{ mutexCounter }

func (c *shortResetCounter) reset() uint64 {
	if v := c.mutexCounter.reset(); v > 0 {
		return v - 1
	}
	return 0
}

func TestClientsStartWithTheirGroupsInterleaved(t *testing.T) {
	order := interleaved([]Group{{Role: "readers", Clients: 100}, {Role: "writers", Clients: 10}})
	if len(order) != 110 {
		t.Fatalf("110 clients, got %d", len(order))
	}
	// One writer in every 11 clients from the first eleven on, as the Rust harness orders them.
	for c := 0; c < 110; c += 11 {
		writers := 0
		for _, g := range order[c : c+11] {
			writers += g
		}
		if writers != 1 {
			t.Fatalf("clients %d–%d hold %d writers: %v", c, c+10, writers, order)
		}
	}
}

// A client that sleeps 1 s after each operation makes none in a 5 ms window: counted absent
// when the window closes on time; a window that waits for every client stays open until it
// makes one.
func TestAWindowWaitsForEveryClient(t *testing.T) {
	s := Settings{Program: "intmap", Strategy: "mutex", Groups: []Group{
		{Role: "sleepers", Clients: 1, Mix: []MixEntry{{"get", 100}}},
	}, Keys: 5, SleepMicros: 1_000_000, WarmupMillis: 5, DurationMillis: 5, Seed: 3}
	r, err := run(s)
	if err != nil {
		t.Fatal(err)
	}
	if r.AbsentByRole["sleepers"] != 1 || r.ElapsedNS > 500_000_000 {
		t.Fatalf("closed on time: absent %v, window %d ns", r.AbsentByRole, r.ElapsedNS)
	}
	s.CoverMillis = 10_000
	r, err = run(s)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.AbsentByRole) != 0 || ops(r) == 0 || r.ElapsedNS < 500_000_000 || r.ElapsedNS > 5_000_000_000 {
		t.Fatalf("waited: absent %v, %d ops, window %d ns", r.AbsentByRole, ops(r), r.ElapsedNS)
	}
}
