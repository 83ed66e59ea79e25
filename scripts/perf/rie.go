package perf

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/civicq/civicq/shared/routes"
)

// Fixture is one event of events/<name>/: its file name, the status its name
// promises (0 for events without one, such as migrate's CloudFormation events) and
// the payload.
type Fixture struct {
	File    string
	Status  int
	Payload []byte
	// Once marks a change that can be made only once (<status>-<case>.once.json,
	// e.g. approving a pending question): sent again, it must answer 409 Conflict,
	// the change being made already.
	Once bool
}

// RepeatStatus is what a once-only fixture must answer when it is sent again.
const RepeatStatus = 409

// Fixtures reads events/<name>/*.json.
func Fixtures(root, name string) ([]Fixture, error) {
	files, err := filepath.Glob(filepath.Join(root, "events", name, "*.json"))
	if err != nil {
		return nil, err
	}
	var out []Fixture
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		base := filepath.Base(f)
		st, _ := strconv.Atoi(strings.SplitN(base, "-", 2)[0])
		out = append(out, Fixture{File: base, Status: st, Payload: b, Once: strings.HasSuffix(base, ".once.json")})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no fixtures in events/%s", name)
	}
	return out, nil
}

// Steady picks the fixtures a warm function is timed on: the successful ones (2xx,
// or the status-less task events except a Delete), which is what real traffic is mostly made of.
func Steady(fx []Fixture) []Fixture {
	var out []Fixture
	for _, f := range fx {
		if (f.Status >= 200 && f.Status < 300) || (f.Status == 0 && !strings.Contains(f.File, "delete")) {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return fx
	}
	return out
}

// Options says how to measure a function under the emulator.
type Options struct {
	Root      string   // repository root (fixtures)
	RIE       string   // aws-lambda-rie
	Bootstrap string   // the host-architecture bootstrap to run
	Env       []string // the function's environment (DATABASE_URL, REDIS_ADDR, ...), FUNCTION_NAME is added
	MemoryMB  int      // AWS_LAMBDA_FUNCTION_MEMORY_SIZE (the route table's setting)
	Cold      int      // cold starts: emulator restarts, one invocation each
	Warm      int      // invocations on one warm emulator
	Log       io.Writer
}

// Result is what the emulator showed of one function.
type Result struct {
	Name      string
	MemoryMB  int       // configured memory size
	ColdMs    []float64 // INIT REPORT durationMs per cold start: the real init
	WarmMs    []float64 // REPORT Duration of warm invocations (the emulator's, as billed)
	HandlerMs []float64 // EMF Duration of warm invocations (the handler's own time)
	PeakKB    int64     // highest VmHWM of the bootstrap process over all runs
	Statuses  map[int]int
	Problems  []string // unexpected statuses, failed invocations
}

// PeakMB is the peak resident set in MiB.
func (r Result) PeakMB() float64 { return float64(r.PeakKB) / 1024 }

var (
	initReportRE = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)
	reportField  = regexp.MustCompile(`(Init Duration|Billed Duration|Duration): ([0-9.]+) ms`)
)

// Measure runs the function under the emulator: opt.Cold fresh emulators with one
// invocation each (init read from "INIT REPORT(durationMs: ...)"), the last of which
// then serves opt.Warm more invocations, one at a time. Peak memory is the bootstrap
// process's own VmHWM, read just before each emulator is stopped (the emulator's
// "Max Memory Used" only repeats the memory size).
func Measure(ctx context.Context, name string, opt Options) (Result, error) {
	res := Result{Name: name, MemoryMB: opt.MemoryMB, Statuses: map[int]int{}}
	fx, err := Fixtures(opt.Root, name)
	if err != nil {
		return res, err
	}
	steady := Steady(fx)
	seq := 0
	next := func() Fixture {
		f := steady[seq%len(steady)]
		if f.Once && seq >= len(steady) {
			f.Status = RepeatStatus
		}
		seq++
		f.Payload = unique(name, f.Payload, seq)
		return f
	}
	cold := max(opt.Cold, 1)
	for i := 0; i < cold; i++ {
		warm := 0
		if i == cold-1 {
			warm = opt.Warm
		}
		out, peak, err := runEmulator(ctx, name, opt, 1+warm, next, &res)
		// Under load the bootstrap can dial the emulator's runtime API before it
		// listens (or lose its port to another process between freePort and the
		// bind): that is the harness, not the function, so start a fresh emulator.
		for retry := 0; retry < 3 && err != nil && bytes.Contains(out, []byte("connect: connection refused")); retry++ {
			out, peak, err = runEmulator(ctx, name, opt, 1+warm, next, &res)
		}
		if peak > res.PeakKB {
			res.PeakKB = peak
		}
		if err != nil {
			return res, fmt.Errorf("%s: %w\n%s", name, err, tail(out, 2000))
		}
		var reports []float64
		var handler []float64
		initMs := -1.0
		sc := bufio.NewScanner(bytes.NewReader(out))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if m := initReportRE.FindStringSubmatch(line); m != nil && initMs < 0 {
				initMs, _ = strconv.ParseFloat(m[1], 64)
			}
			if d, ok := reportDuration(line); ok {
				reports = append(reports, d)
			}
			if strings.HasPrefix(line, `{"_aws":`) {
				var doc struct{ Duration float64 }
				if json.Unmarshal([]byte(line), &doc) == nil {
					handler = append(handler, doc.Duration)
				}
			}
		}
		if initMs < 0 {
			return res, fmt.Errorf("%s: no INIT REPORT line in the emulator's output\n%s", name, tail(out, 2000))
		}
		res.ColdMs = append(res.ColdMs, initMs)
		if warm > 0 {
			// The first invocation of an environment is the cold one: leave it out.
			if len(reports) > 1 {
				res.WarmMs = append(res.WarmMs, reports[1:]...)
			}
			if len(handler) > 1 {
				res.HandlerMs = append(res.HandlerMs, handler[1:]...)
			}
		}
		if opt.Log != nil && (i+1)%5 == 0 {
			fmt.Fprintf(opt.Log, "  %s: %d/%d cold starts\n", name, i+1, cold)
		}
	}
	return res, nil
}

// reportDuration reads Duration (not Init or Billed Duration) from a REPORT line.
func reportDuration(line string) (float64, bool) {
	if !strings.HasPrefix(line, "REPORT RequestId:") {
		return 0, false
	}
	for _, m := range reportField.FindAllStringSubmatch(line, -1) {
		if m[1] == "Duration" {
			d, err := strconv.ParseFloat(m[2], 64)
			return d, err == nil
		}
	}
	return 0, false
}

// unique makes repeated asks distinct questions (a repeated text is a 409 duplicate).
func unique(name string, payload []byte, seq int) []byte {
	if name != "ask-question" {
		return payload
	}
	var ev map[string]any
	if json.Unmarshal(payload, &ev) != nil {
		return payload
	}
	body, _ := ev["body"].(string)
	var in map[string]any
	if json.Unmarshal([]byte(body), &in) != nil {
		return payload
	}
	text, _ := in["text"].(string)
	in["text"] = fmt.Sprintf("Measurement %s-%d: %s", Suffix(), seq, text)
	b, _ := json.Marshal(in)
	ev["body"] = string(b)
	out, err := json.Marshal(ev)
	if err != nil {
		return payload
	}
	return out
}

// syncBuffer collects the emulator's output (its own log, and the function's stdout
// and stderr, which it passes through).
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}

// runEmulator starts one emulator on free loopback ports, sends n invocations one
// after the other, reads the bootstrap's peak RSS and stops both processes.
func runEmulator(ctx context.Context, name string, opt Options, n int, next func() Fixture, res *Result) ([]byte, int64, error) {
	apiPort, err := freePort()
	if err != nil {
		return nil, 0, err
	}
	rtPort, err := freePort()
	if err != nil {
		return nil, 0, err
	}
	apiAddr := "127.0.0.1:" + strconv.Itoa(apiPort)
	cmd := exec.Command(opt.RIE, "--log-level", "info",
		"--runtime-interface-emulator-address", apiAddr,
		"--runtime-api-address", "127.0.0.1:"+strconv.Itoa(rtPort),
		"./bootstrap")
	cmd.Dir = filepath.Dir(opt.Bootstrap)
	cmd.Env = append([]string{
		"PATH=/usr/bin:/bin", "TZ=UTC", "FUNCTION_NAME=" + name,
		"AWS_LAMBDA_FUNCTION_NAME=" + name,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + strconv.Itoa(opt.MemoryMB),
		"AWS_REGION=us-east-1",
	}, opt.Env...)
	for k, v := range routes.GCEnv(opt.MemoryMB) { // as the stack sets them
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var buf syncBuffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, 0, err
	}
	pid := cmd.Process.Pid
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	stop := func() {
		// The emulator and the bootstrap share the process group started here.
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		<-done
	}
	if err := waitListening(ctx, apiAddr, done); err != nil {
		stop()
		return buf.Bytes(), 0, err
	}
	client := &http.Client{Timeout: 30 * time.Second}
	var peak int64
	for i := 0; i < n; i++ {
		f := next()
		status, err := invoke(ctx, client, apiAddr, f.Payload)
		if err != nil {
			stop()
			return buf.Bytes(), peak, fmt.Errorf("invoke %s: %w", f.File, err)
		}
		res.Statuses[status]++
		if f.Status != 0 && status != f.Status && len(res.Problems) < 10 {
			res.Problems = append(res.Problems, fmt.Sprintf("%s answered %d", f.File, status))
		}
	}
	if child := childOf(pid, "bootstrap"); child > 0 {
		peak = vmHWM(child)
	}
	stop()
	return buf.Bytes(), peak, nil
}

// invoke posts one event and returns the statusCode of the API Gateway response
// (200 for a task's plain answer; an error for a function error).
func invoke(ctx context.Context, c *http.Client, addr string, payload []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/2015-03-31/functions/function/invocations", bytes.NewReader(payload))
	if err != nil {
		return 0, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("emulator answered %d: %s", resp.StatusCode, tail(body, 300))
	}
	var r struct {
		StatusCode   int    `json:"statusCode"`
		ErrorMessage string `json:"errorMessage"`
	}
	if json.Unmarshal(body, &r) == nil {
		if r.ErrorMessage != "" {
			return 0, fmt.Errorf("function error: %s", r.ErrorMessage)
		}
		if r.StatusCode != 0 {
			return r.StatusCode, nil
		}
	}
	return http.StatusOK, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func waitListening(ctx context.Context, addr string, exited <-chan struct{}) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("the emulator exited before listening on %s", addr)
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(5 * time.Millisecond)
	}
	return fmt.Errorf("the emulator did not listen on %s within 10s", addr)
}

// childOf finds the child process of ppid whose command name is comm.
func childOf(ppid int, comm string) int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'.
		s := string(b)
		open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || closing < open {
			continue
		}
		fields := strings.Fields(s[closing+1:])
		if len(fields) < 2 || s[open+1:closing] != comm {
			continue
		}
		if p, _ := strconv.Atoi(fields[1]); p == ppid {
			return pid
		}
	}
	return 0
}

// vmHWM reads a process's peak resident set size in kB from /proc/<pid>/status.
func vmHWM(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				return kb
			}
		}
	}
	return 0
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// MemoryOf is the configured memory of a function in the route table.
func MemoryOf(name string) int {
	if r, ok := routes.ByName(name); ok {
		return r.MemoryMB
	}
	for _, t := range routes.Tasks {
		if t.Name == name {
			return t.MemoryMB
		}
	}
	return 128
}
