// Command contender is statebench's Go side: the reference text's programs — the int map of
// readers and writers, and the counter — each served by a stateful goroutine and by Go's locks,
// run as contenders in the same run as the Rust strategies.
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
	"os"
	"runtime"
	"time"
)

// Settings is what one run is asked to do.
type Settings struct {
	// Program is "intmap" (readers get, writers set, over Keys keys) or "counter" (readers
	// get, writers increment).
	Program string `json:"program"`
	// Strategy is "goroutine" (one goroutine owns the state; requests and replies over
	// channels), "mutex" (sync.Mutex), "rwmutex" (sync.RWMutex) or, for the int map,
	// "syncmap" (sync.Map).
	Strategy string `json:"strategy"`
	// Readers and Writers are the client goroutines of each kind.
	Readers int `json:"readers"`
	Writers int `json:"writers"`
	// Keys is the int map's key count (ignored by the counter).
	Keys int `json:"keys"`
	// SleepMicros is each client's sleep after every operation (the reference program's 1 ms
	// is 1000; 0 runs flat out).
	SleepMicros int `json:"sleep_us"`
	// DurationMillis is how long the clients run.
	DurationMillis int `json:"duration_ms"`
	// Seed seeds the clients' key choices.
	Seed int64 `json:"seed"`
}

// Result is what one run measured and checked.
type Result struct {
	Program   string `json:"program"`
	Strategy  string `json:"strategy"`
	ReadOps   uint64 `json:"read_ops"`
	WriteOps  uint64 `json:"write_ops"`
	ElapsedNS int64  `json:"elapsed_ns"`
	// Checked says, in words, what was verified of the replies and the final state.
	Checked    string `json:"checked"`
	GoVersion  string `json:"go_version"`
	GOMAXPROCS int    `json:"gomaxprocs"`
}

// errUsage marks settings the program refuses.
var errUsage = errors.New("usage")

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
		if s.Keys < 1 {
			return bad("keys must be at least 1, not %d", s.Keys)
		}
	case "counter":
		switch s.Strategy {
		case "goroutine", "mutex", "rwmutex":
		default:
			return bad("unknown counter strategy %q; the strategies are goroutine, mutex, rwmutex", s.Strategy)
		}
	default:
		return bad("unknown program %q; the programs are intmap, counter", s.Program)
	}
	if s.Readers < 0 || s.Writers < 1 {
		return bad("needs at least one writer and no negative readers, not %d readers and %d writers", s.Readers, s.Writers)
	}
	if s.Readers+s.Writers > 100_000 {
		return bad("%d clients is more than the 100000 this program starts", s.Readers+s.Writers)
	}
	if s.DurationMillis < 1 || s.DurationMillis > 3_600_000 {
		return bad("duration_ms must be from 1 to 3600000, not %d", s.DurationMillis)
	}
	if s.SleepMicros < 0 || s.SleepMicros > 1_000_000 {
		return bad("sleep_us must be from 0 to 1000000, not %d", s.SleepMicros)
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

// clients starts readers and writers, each running its loop until the window closes, and
// returns how long they ran from the common start to the last one's end.
func clients(s Settings, reader func(id int, stop *stopFlag) uint64, writer func(id int, stop *stopFlag) uint64) (reads, writes uint64, elapsed time.Duration) {
	start := make(chan struct{})
	stop := &stopFlag{}
	counts := make(chan [2]uint64, s.Readers+s.Writers)
	for i := 0; i < s.Readers; i++ {
		go func(id int) {
			<-start
			counts <- [2]uint64{reader(id, stop), 0}
		}(i)
	}
	for i := 0; i < s.Writers; i++ {
		go func(id int) {
			<-start
			counts <- [2]uint64{0, writer(id, stop)}
		}(i)
	}
	began := time.Now()
	close(start)
	time.Sleep(time.Duration(s.DurationMillis) * time.Millisecond)
	stop.set()
	for i := 0; i < s.Readers+s.Writers; i++ {
		c := <-counts
		reads += c[0]
		writes += c[1]
	}
	return reads, writes, time.Since(began)
}
