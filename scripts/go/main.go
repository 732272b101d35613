// Command contender is statebench's Go side: the reference text's programs — the int map of
// readers and writers, and the counter — each served by a stateful goroutine and by Go's locks,
// run as contenders in the same run as the Rust strategies, with the same clients, mixes, keys,
// warm-up and window.
//
// The protocol is one line each way. The Rust side writes one JSON object of settings to
// standard input; the program runs it and writes one JSON object of results to standard output.
// Bad settings are refused on standard error with exit status 2; a run whose replies or final
// state fail their checks exits with status 1 and says which check failed.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand"
	"os"
	"runtime"
	"sort"
	"sync/atomic"
	"syscall"
	"time"
)

// MixEntry is one operation of a client's mix and its share, in percent.
type MixEntry struct {
	Op      string `json:"op"`
	Percent int    `json:"percent"`
}

// Group is clients that behave alike: each picks its next operation from Mix.
type Group struct {
	Role    string     `json:"role"`
	Clients int        `json:"clients"`
	Mix     []MixEntry `json:"mix"`
}

// Settings is what one run is asked to do.
type Settings struct {
	// Program is "intmap" (get and set over Keys keys), "counter" (increment, get, reset) or
	// "sleep" (one client sleeping SleepMicros in a loop: the floor of a 1 ms sleep).
	Program string `json:"program"`
	// Strategy is "goroutine" (one goroutine owns the state; requests and replies over
	// channels), "mutex" (sync.Mutex), "rwmutex" (sync.RWMutex) or, for the int map,
	// "syncmap" (sync.Map); "sleep" for the sleep program.
	Strategy string `json:"strategy"`
	// Groups are the clients (goroutines) and what they do.
	Groups []Group `json:"groups"`
	// Keys is the int map's key count (ignored by the counter).
	Keys int `json:"keys"`
	// Prefill stores every key before the clients start (the int map).
	Prefill bool `json:"prefill"`
	// SleepMicros is each client's sleep after every operation (the reference program's 1 ms
	// is 1000; 0 runs flat out).
	SleepMicros int `json:"sleep_us"`
	// WarmupMillis is how long the clients run before the measured window opens.
	WarmupMillis int `json:"warmup_ms"`
	// DurationMillis is the measured window.
	DurationMillis int `json:"duration_ms"`
	// CoverMillis: the window stays open past DurationMillis until every client has
	// completed an operation in it, at most this long after it opened (0: it closes at
	// DurationMillis), as the Rust harness's Cell::cover.
	CoverMillis int `json:"cover_ms"`
	// SampleEvery times one operation in this many (rounded up to a power of two), inside the
	// window, as the Rust harness does; 0 or 1 times every one.
	SampleEvery int `json:"sample_every"`
	// Seed seeds the clients' choices.
	Seed int64 `json:"seed"`
}

// Result is what one run measured and checked.
type Result struct {
	Program  string `json:"program"`
	Strategy string `json:"strategy"`
	// Ops are the operations completed inside the measured window, per kind.
	Ops map[string]uint64 `json:"ops"`
	// ElapsedNS is the measured window as it ran.
	ElapsedNS int64 `json:"elapsed_ns"`
	// CPUNS is the process's CPU time (user and system, every thread) in the window.
	CPUNS int64 `json:"cpu_ns"`
	// Latency summarises the timed operations per kind and, under "all", over every kind.
	Latency map[string]Latency `json:"latency"`
	// TimedOneIn is the sampling interval used.
	TimedOneIn int `json:"timed_one_in"`
	// TimingShare is the share of the window's CPU time spent timing operations.
	TimingShare float64 `json:"timing_share"`
	// Checked says, in words, what was verified of the replies and the final state.
	Checked    string `json:"checked"`
	GoVersion  string `json:"go_version"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	// AbsentByRole counts the goroutines of each role that completed no operation in the
	// window (roles whose goroutines all did are left out): the runtime preempts a busy
	// goroutine only every 10 ms, so a short window of many goroutines that never block
	// measures the few it ran.
	AbsentByRole map[string]int `json:"absent_by_role,omitempty"`
}

// Latency is the summary of timed operations, as the Rust side's LatencySummary: the
// percentiles are of the sorted samples (the value at rank ceil(q·count)).
type Latency struct {
	Count  uint64  `json:"count"`
	MeanNS float64 `json:"mean_ns"`
	P50NS  uint64  `json:"p50_ns"`
	P90NS  uint64  `json:"p90_ns"`
	P99NS  uint64  `json:"p99_ns"`
	P999NS uint64  `json:"p999_ns"`
	MaxNS  uint64  `json:"max_ns"`
}

func summarize(samples []int64) Latency {
	sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
	n := len(samples)
	at := func(q float64) uint64 {
		i := int(math.Ceil(q*float64(n))) - 1
		if i < 0 {
			i = 0
		}
		return uint64(samples[i])
	}
	var sum float64
	for _, v := range samples {
		sum += float64(v)
	}
	return Latency{Count: uint64(n), MeanNS: sum / float64(n), P50NS: at(0.5), P90NS: at(0.9), P99NS: at(0.99), P999NS: at(0.999), MaxNS: uint64(samples[n-1])}
}

// timingCost is what timing one operation costs here: two clock reads and keeping the sample.
func timingCost() time.Duration {
	const rounds = 20_000
	samples := make([]int64, 0, rounds)
	start := time.Now()
	for i := 0; i < rounds; i++ {
		t := time.Now()
		samples = append(samples, time.Since(t).Nanoseconds())
	}
	return time.Since(start) / rounds
}

// errUsage marks settings the program refuses.
var errUsage = errors.New("usage")

// kinds are each program's operations.
var kinds = map[string][]string{
	"intmap":  {"get", "set"},
	"counter": {"increment", "get", "reset"},
	"sleep":   {"sleep"},
}

func (s Settings) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
	}
	switch s.Program {
	case "intmap":
		switch s.Strategy {
		case "goroutine", "mutex", "rwmutex", "syncmap":
		default:
			return bad("unknown int map strategy %q; the strategies are goroutine, mutex, rwmutex, syncmap", s.Strategy)
		}
		if s.Keys < 1 || s.Keys > 1<<24 {
			return bad("keys must be from 1 to %d, not %d", 1<<24, s.Keys)
		}
	case "counter":
		switch s.Strategy {
		case "goroutine", "mutex", "rwmutex":
		default:
			return bad("unknown counter strategy %q; the strategies are goroutine, mutex, rwmutex", s.Strategy)
		}
	case "sleep":
		if s.Strategy != "sleep" {
			return bad("the sleep program's strategy is sleep, not %q", s.Strategy)
		}
	default:
		return bad("unknown program %q; the programs are intmap, counter, sleep", s.Program)
	}
	if len(s.Groups) == 0 {
		return bad("needs at least one client group")
	}
	total := 0
	for _, g := range s.Groups {
		if g.Clients < 1 {
			return bad("group %q needs at least one client, not %d", g.Role, g.Clients)
		}
		total += g.Clients
		sum := 0
		for _, m := range g.Mix {
			known := false
			for _, k := range kinds[s.Program] {
				known = known || k == m.Op
			}
			if !known {
				return bad("%s has no operation %q (it has %v)", s.Program, m.Op, kinds[s.Program])
			}
			if m.Percent < 0 {
				return bad("group %q: operation %s has a negative share", g.Role, m.Op)
			}
			sum += m.Percent
		}
		if sum != 100 {
			return bad("group %q: the mix adds up to %d %%, not 100 %%", g.Role, sum)
		}
	}
	if total > 100_000 {
		return bad("%d clients is more than the 100000 this program starts", total)
	}
	if s.DurationMillis < 1 || s.DurationMillis > 3_600_000 {
		return bad("duration_ms must be from 1 to 3600000, not %d", s.DurationMillis)
	}
	if s.CoverMillis < 0 || s.CoverMillis > 3_600_000 {
		return bad("cover_ms must be from 0 to 3600000, not %d", s.CoverMillis)
	}
	if s.WarmupMillis < 0 || s.WarmupMillis > 3_600_000 {
		return bad("warmup_ms must be from 0 to 3600000, not %d", s.WarmupMillis)
	}
	if s.SleepMicros < 0 || s.SleepMicros > 1_000_000 {
		return bad("sleep_us must be from 0 to 1000000, not %d", s.SleepMicros)
	}
	if s.SampleEvery < 0 || s.SampleEvery > 1<<20 {
		return bad("sample_every must be from 0 to %d, not %d", 1<<20, s.SampleEvery)
	}
	return nil
}

// run carries out one run of s.
func run(s Settings) (Result, error) {
	if err := s.validate(); err != nil {
		return Result{}, err
	}
	var r Result
	var err error
	switch s.Program {
	case "intmap":
		r, err = runIntMap(s, newIntMap(s.Strategy))
	case "counter":
		r, err = runCounter(s, newCounter(s.Strategy))
	case "sleep":
		r, err = runSleep(s)
	}
	r.Program, r.Strategy = s.Program, s.Strategy
	r.GoVersion, r.GOMAXPROCS = runtime.Version(), runtime.GOMAXPROCS(0)
	return r, err
}

// serve reads one line of settings from in, runs it, and writes the result line to out. It
// returns the process's exit status: 0, 1 when a check failed, 2 for bad settings.
func serve(in io.Reader, out, errOut io.Writer) int {
	line, err := bufio.NewReader(in).ReadBytes('\n')
	if err != nil && !(errors.Is(err, io.EOF) && len(line) > 0) {
		fmt.Fprintf(errOut, "contender: no settings line on standard input: %v\n", err)
		return 2
	}
	var s Settings
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		fmt.Fprintf(errOut, "contender: the settings line is not valid: %v\n", err)
		return 2
	}
	r, err := run(s)
	if errors.Is(err, errUsage) {
		fmt.Fprintf(errOut, "contender: %v\n", err)
		return 2
	}
	if err != nil {
		fmt.Fprintf(errOut, "contender: %s %s: %v\n", s.Program, s.Strategy, err)
		return 1
	}
	enc, _ := json.Marshal(r)
	fmt.Fprintf(out, "%s\n", enc)
	return 0
}

func main() {
	os.Exit(serve(os.Stdin, os.Stdout, os.Stderr))
}

// The phases of a run, read by every client once per operation (as the Rust harness does).
const (
	warmingUp int32 = iota
	measuring
	stopping
)

// planLen is how many operations a client generates before the run, as the Rust harness's
// plans (PLAN_LEN): the loop then only walks its plan, cycling.
const planLen = 4096

// step is one planned operation: its kind (an index into the program's kinds) and its key.
type step struct {
	kind int
	key  int
}

// client is one client's state, its own allocation (padded, so that no two clients' counters
// share a cache line): its plan, what it completed and timed, and what the program's checks
// need of it.
type client struct {
	_       [64]byte
	id      int
	plan    []step
	applied uint64    // operations applied in all: warm-up, window and the last one
	done    []uint64  // operations completed in the window, per kind
	samples [][]int64 // latencies of the timed ones, per kind
	// The programs' own: the int map's sets so far, the counter's increments, what its
	// resets took away, and the last count it saw.
	sets, increments, taken, last uint64
	// The int map: the sequence number of this client's latest set to each key (0: none
	// yet); the counter: its increments since its own last reset. And how many replies
	// showed something other than those, which a client alone can never see, and the
	// largest count seen.
	own               []uint64
	ownCount          uint64
	notAlone, largest uint64
	// present: it has completed an operation in the window.
	present bool
	_       [64]byte
}

// newPlan draws planLen operations from mix, over keys keys (0: none).
func newPlan(rng *rand.Rand, program string, mix []MixEntry, keys int) []step {
	index := map[string]int{}
	for i, k := range kinds[program] {
		index[k] = i
	}
	plan := make([]step, planLen)
	for i := range plan {
		n := rng.Intn(100)
		op := mix[len(mix)-1].Op
		for _, m := range mix {
			if n < m.Percent {
				op = m.Op
				break
			}
			n -= m.Percent
		}
		plan[i].kind = index[op]
		if keys > 0 {
			plan[i].key = rng.Intn(keys)
		}
	}
	return plan
}

// cpuTime is the process's CPU time so far, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// interleaved is the group of each client in the order the clients start: the groups mixed
// in proportion (smooth weighted round robin, as the Rust harness's Workload::client_groups),
// never one group after the other. The runtime runs goroutines woken together roughly in the
// order they blocked and preempts a busy one only every 10 ms, so with 110 busy goroutines on
// 2 cores a short window runs the first few; made readers first, those were all readers.
func interleaved(groups []Group) []int {
	total := 0
	for _, g := range groups {
		total += g.Clients
	}
	credit := make([]int, len(groups))
	order := make([]int, 0, total)
	for len(order) < total {
		next := 0
		for i, g := range groups {
			credit[i] += g.Clients
			if credit[i] > credit[next] {
				next = i
			}
		}
		credit[next] -= total
		order = append(order, next)
	}
	return order
}

// clients starts every client of s; each walks its plan, calling op for every step, from the
// common start until the window closes (op returns when the operation is done). As in the Rust
// harness, an operation counts when it completes inside the window, and one in SampleEvery is
// timed. It fills the window's figures of r and returns the clients, for the program's checks.
func clients(s Settings, r *Result, op func(c *client, st step)) []*client {
	every := 1
	for every < s.SampleEvery {
		every <<= 1
	}
	mask := uint64(every - 1)
	cost := timingCost()
	names := kinds[s.Program]
	var phase atomic.Int32
	var begun atomic.Int32   // clients that have begun their loop
	var present atomic.Int32 // clients that have completed an operation in the window
	start := make(chan struct{})
	var all []*client
	for _, gi := range interleaved(s.Groups) {
		id := len(all)
		rng := rand.New(rand.NewSource(s.Seed ^ int64(id)*0x5851f42d))
		all = append(all, &client{
			id:      id,
			plan:    newPlan(rng, s.Program, s.Groups[gi].Mix, s.Keys),
			done:    make([]uint64, len(names)),
			samples: make([][]int64, len(names)),
		})
	}
	finished := make(chan struct{}, len(all))
	sleep := time.Duration(s.SleepMicros) * time.Microsecond
	for _, c := range all {
		go func() {
			defer func() { finished <- struct{}{} }()
			<-start
			begun.Add(1)
			// A new sampling offset every lap, as the Rust clients: a fixed set of plan
			// positions could miss a rare kind altogether.
			offset := uint64(c.id) * 0x9e3779b97f4a7c15
			for i := 0; ; i++ {
				if i == planLen {
					i = 0
					offset = offset*6364136223846793005 + 1442695040888963407
				}
				st := c.plan[i]
				timed := (c.applied+offset)&mask == 0
				var t time.Time
				if timed {
					t = time.Now()
				}
				op(c, st)
				var took time.Duration
				if timed {
					took = time.Since(t)
				}
				c.applied++
				p := phase.Load()
				if p == stopping {
					return
				}
				if p == measuring {
					if !c.present {
						c.present = true
						present.Add(1)
					}
					c.done[st.kind]++
					if timed {
						c.samples[st.kind] = append(c.samples[st.kind], took.Nanoseconds())
					}
				}
				if sleep > 0 {
					time.Sleep(sleep)
				}
			}
		}()
	}
	close(start)
	time.Sleep(time.Duration(s.WarmupMillis) * time.Millisecond)
	// The window opens only once every client has begun, as on the Rust side: the runtime
	// preempts a busy goroutine every 10 ms, so 110 of them on 2 Ps take longer than a short
	// warm-up to all get a first turn, and a window opened before would count only some. At
	// most 10 s, after which the window opens anyway.
	for deadline := time.Now().Add(10 * time.Second); int(begun.Load()) < len(all) && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	cpu0, t0 := cpuTime(), time.Now()
	phase.Store(measuring)
	window := time.Duration(s.DurationMillis) * time.Millisecond
	time.Sleep(window)
	// Then until every client has completed an operation in the window, at most CoverMillis
	// after it opened, as on the Rust side: a window shorter than one round of the scheduler
	// over the goroutines measures the few it ran.
	if s.CoverMillis > 0 {
		bound := t0.Add(max(window, time.Duration(s.CoverMillis)*time.Millisecond))
		for int(present.Load()) < len(all) && time.Now().Before(bound) {
			time.Sleep(time.Millisecond)
		}
	}
	phase.Store(stopping)
	elapsed, cpu := time.Since(t0), cpuTime()-cpu0
	for range all {
		<-finished
	}
	order := interleaved(s.Groups)
	for i, c := range all {
		var n uint64
		for _, d := range c.done {
			n += d
		}
		if n == 0 {
			if r.AbsentByRole == nil {
				r.AbsentByRole = map[string]int{}
			}
			r.AbsentByRole[s.Groups[order[i]].Role]++
		}
	}
	r.Ops = map[string]uint64{}
	samples := map[string][]int64{}
	for k, name := range names {
		r.Ops[name] = 0
		for _, c := range all {
			r.Ops[name] += c.done[k]
			if len(c.samples[k]) > 0 {
				samples[name] = append(samples[name], c.samples[k]...)
				samples["all"] = append(samples["all"], c.samples[k]...)
			}
		}
	}
	r.Latency = map[string]Latency{}
	for k, v := range samples {
		r.Latency[k] = summarize(v)
	}
	r.ElapsedNS, r.CPUNS, r.TimedOneIn = elapsed.Nanoseconds(), cpu.Nanoseconds(), every
	if cpu > 0 {
		r.TimingShare = float64(len(samples["all"])) * float64(cost) / float64(cpu)
	}
	return all
}

// runSleep measures what a sleep of SleepMicros takes, the floor under the reference program:
// one goroutine sleeps DurationMillis*1000/SleepMicros times in a row (at least once), timed
// from before the first to after the last, as the Rust floors time theirs.
func runSleep(s Settings) (Result, error) {
	n := 1
	if s.SleepMicros > 0 && s.DurationMillis*1000/s.SleepMicros > 1 {
		n = s.DurationMillis * 1000 / s.SleepMicros
	}
	sleep := time.Duration(s.SleepMicros) * time.Microsecond
	cpu0, t0 := cpuTime(), time.Now()
	for i := 0; i < n; i++ {
		time.Sleep(sleep)
	}
	r := Result{Ops: map[string]uint64{"sleep": uint64(n)}, Latency: map[string]Latency{}, TimedOneIn: 1, ElapsedNS: time.Since(t0).Nanoseconds(), CPUNS: (cpuTime() - cpu0).Nanoseconds()}
	if r.ElapsedNS < int64(n)*sleep.Nanoseconds() {
		return r, fmt.Errorf("%d sleeps of %v took only %v", n, sleep, time.Duration(r.ElapsedNS))
	}
	r.Checked = fmt.Sprintf("%d sleeps of %d µs, each at least its length", n, s.SleepMicros)
	return r, nil
}
