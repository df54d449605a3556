package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"portville/sim/scenario"
	"portville/web/wire"
)

// BenchmarkFanOutVsChatHub runs Portville and gorilla/websocket's chat
// example (examples/chat of the module in go.mod, the textbook hub, built
// from the module cache) as two processes on this machine, one after the
// other, under the same load from the same client:
//
//   - fanoutReceivers websockets connect and read every frame. Each
//     receiver does the same cheap work on both sides: it counts
//     {"type":"event" in a frame and writes down the time; nothing is
//     parsed. (The hub writes messages queued for one client as one
//     frame with newlines between them.)
//   - One sender makes fanoutMessages messages at 20 a second. On the
//     hub, it sends an event frame of Portville's average size, which the
//     hub relays to everyone. On Portville, the presenter of a class sends
//     step, and the server broadcasts the next event to the followers.
//
// It reports, as Portville / hub ratios (below 1 is better for Portville)
// and as raw figures:
//
//   - spread-p99-x: the p99, over messages, of the time between the first
//     and the last receiver getting that message;
//   - cpu-x: the server's CPU time (user+system, /proc) per delivery;
//   - mem-x: the server's resident memory per connected receiver.
//
// The rounds alternate (hub, Portville, hub, Portville, ...) so that a
// drift of the machine affects both; the figures are the medians.
//
//	go test -run '^$' -bench FanOutVsChatHub -benchtime 1x ./web/
func BenchmarkFanOutVsChatHub(b *testing.B) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		b.Skip("needs /proc for the servers' CPU time and memory")
	}
	dir := b.TempDir()
	hubBin, pvBin := filepath.Join(dir, "chat"), filepath.Join(dir, "portville")
	modDir := goOutput(b, "", "list", "-m", "-f", "{{.Dir}}", "github.com/gorilla/websocket")
	goBuild(b, modDir, hubBin, "./examples/chat")
	goBuild(b, "..", pvBin, "./cmd/portville")
	size := portvilleFrameBytes(b)
	b.Logf("event frames of %s: %d bytes on average", fanoutLesson, size)

	rounds := fanoutRounds()
	var hub, pv []fanoutResult
	for b.Loop() {
		for range rounds {
			hub = append(hub, runFanout(b, hubBin, false, size))
			pv = append(pv, runFanout(b, pvBin, true, size))
		}
	}
	med := func(rs []fanoutResult, f func(fanoutResult) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	spread := func(r fanoutResult) float64 { return r.spreadP99Ms }
	cpu := func(r fanoutResult) float64 { return r.cpuPerDeliveryUs }
	mem := func(r fanoutResult) float64 { return r.bytesPerConn }
	b.ReportMetric(med(pv, spread)/med(hub, spread), "spread-p99-x")
	b.ReportMetric(med(pv, cpu)/med(hub, cpu), "cpu-x")
	b.ReportMetric(med(pv, mem)/med(hub, mem), "mem-x")
	b.ReportMetric(med(pv, spread), "pv-spread-p99-ms")
	b.ReportMetric(med(hub, spread), "hub-spread-p99-ms")
	b.ReportMetric(med(pv, cpu), "pv-cpu-us/delivery")
	b.ReportMetric(med(hub, cpu), "hub-cpu-us/delivery")
	b.ReportMetric(med(pv, mem), "pv-B/conn")
	b.ReportMetric(med(hub, mem), "hub-B/conn")
	lost := func(rs []fanoutResult) float64 {
		n := 0
		for _, r := range rs {
			n += r.lost
		}
		return float64(n)
	}
	b.ReportMetric(lost(pv), "pv-lost")
	b.ReportMetric(lost(hub), "hub-lost")
}

const (
	fanoutReceivers = 1000
	fanoutMessages  = 100
	fanoutGap       = 50 * time.Millisecond // 20 messages a second
	fanoutLesson    = "port-exhaustion"
)

type fanoutResult struct {
	spreadP99Ms      float64
	cpuPerDeliveryUs float64
	bytesPerConn     float64
	lost             int // deliveries that did not arrive
}

func goOutput(b *testing.B, dir string, args ...string) string {
	b.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("go %s: %v", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out))
}

func goBuild(b *testing.B, dir, out, pkg string) {
	b.Helper()
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build %s in %s: %v\n%s", pkg, dir, err, msg)
	}
}

func freePort(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// procCPU returns a process's user+system CPU time; procRSS its resident
// memory in bytes.
func procCPU(b *testing.B, pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}

func procRSS(b *testing.B, pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb * 1024
		}
	}
	b.Fatal("no VmRSS")
	return 0
}

// runFanout starts one server, connects the receivers, sends the
// messages and measures.
func runFanout(b *testing.B, bin string, portville bool, frameBytes int) fanoutResult {
	b.Helper()
	addr := freePort(b)
	var cmd *exec.Cmd
	if portville {
		n := strconv.Itoa(fanoutReceivers + 10)
		cmd = exec.Command(bin, "serve", "--addr", addr, "--max-viewers", n, "--max-followers", n,
			"--max-conns-per-addr", n, "--control-rate", "100", "--control-burst", "200")
	} else {
		cmd = exec.Command(bin, "-addr", addr)
	}
	cmd.Dir = b.TempDir()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	for i := 0; ; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if i > 200 {
			b.Fatalf("%s does not listen", bin)
		}
		time.Sleep(20 * time.Millisecond)
	}
	pid := cmd.Process.Pid

	// The sender: the hub's first client, or Portville's presenter.
	var sender *websocket.Conn
	var err error
	var wsPath string
	frame := []byte{}
	if portville {
		sender, _, err = websocket.DefaultDialer.Dial("ws://"+addr+"/ws?lesson="+fanoutLesson, nil)
		if err != nil {
			b.Fatal(err)
		}
		sender.WriteMessage(websocket.TextMessage, []byte(`{"type":"class.start"}`))
		var code string
		for code == "" {
			_, data, err := sender.ReadMessage()
			if err != nil {
				b.Fatal(err)
			}
			var m struct{ Type, Code string }
			json.Unmarshal(data, &m)
			if m.Type == wire.TypeClass {
				code = m.Code
			}
		}
		wsPath = "/ws?class=" + code
	} else {
		sender, _, err = websocket.DefaultDialer.Dial("ws://"+addr+"/ws", nil)
		if err != nil {
			b.Fatal(err)
		}
		wsPath = "/ws"
		frame = hubFrame(frameBytes)
	}
	defer sender.Close()
	go func() { // the sender reads what comes back and drops it
		for {
			if _, _, err := sender.ReadMessage(); err != nil {
				return
			}
		}
	}()

	rssBefore := procRSS(b, pid)
	stamps := make([][]time.Time, fanoutReceivers)
	conns := make([]*websocket.Conn, fanoutReceivers)
	for i := range conns {
		c, _, err := websocket.DefaultDialer.Dial("ws://"+addr+wsPath, nil)
		if err != nil {
			b.Fatalf("receiver %d: %v", i, err)
		}
		conns[i] = c
		stamps[i] = make([]time.Time, 0, fanoutMessages)
	}
	var wg sync.WaitGroup
	prefix := []byte(`{"type":"event"`)
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for len(stamps[i]) < fanoutMessages {
				c.SetReadDeadline(time.Now().Add(5 * time.Second))
				_, data, err := c.ReadMessage()
				if err != nil {
					return
				}
				// The hub writes the messages queued for a client in one
				// frame, a newline between them: each counts.
				now := time.Now()
				for range bytes.Count(data, prefix) {
					stamps[i] = append(stamps[i], now)
				}
			}
		}()
	}
	time.Sleep(time.Second) // the hellos are read; the servers settle
	rss := procRSS(b, pid)
	cpu0 := procCPU(b, pid)
	tick := time.NewTicker(fanoutGap)
	for range fanoutMessages {
		<-tick.C
		if portville {
			sender.WriteMessage(websocket.TextMessage, []byte(`{"type":"step"}`))
		} else {
			sender.WriteMessage(websocket.TextMessage, frame)
		}
	}
	tick.Stop()
	wg.Wait()
	cpu := procCPU(b, pid) - cpu0
	for _, c := range conns {
		c.Close()
	}

	var spreads []float64
	lost := 0
	for k := range fanoutMessages {
		var first, last time.Time
		for i := range stamps {
			if k >= len(stamps[i]) {
				lost++
				continue
			}
			t := stamps[i][k]
			if first.IsZero() || t.Before(first) {
				first = t
			}
			if t.After(last) {
				last = t
			}
		}
		spreads = append(spreads, float64(last.Sub(first))/float64(time.Millisecond))
	}
	slices.Sort(spreads)
	return fanoutResult{
		spreadP99Ms:      spreads[len(spreads)*99/100],
		cpuPerDeliveryUs: float64(cpu) / float64(time.Microsecond) / float64(fanoutMessages*fanoutReceivers),
		bytesPerConn:     (rss - rssBefore) / fanoutReceivers,
		lost:             lost,
	}
}

// hubFrame is what the hub's sender sends: an event frame of size bytes
// (the chat example reads at most 512 and turns newlines into spaces,
// which JSON does not need).
func hubFrame(size int) []byte {
	f := []byte(`{"type":"event","event":{"seq":1,"kind":"socket.connect","text":"`)
	for len(f) < min(size, 500)-3 {
		f = append(f, 'x')
	}
	return append(f, `"}}`...)
}

// portvilleFrameBytes is the mean size of the event frames Portville
// sends for the first fanoutMessages steps of the lesson.
func portvilleFrameBytes(b *testing.B) int {
	l, err := (&Server{catalog: BuiltinLessons{}}).lesson(fanoutLesson)
	if err != nil {
		b.Fatal(err)
	}
	tl, err := buildTimeline(l.ID, l.Scenario, scenario.Options{}, 0)
	if err != nil {
		b.Fatal(err)
	}
	if tl.Total() < tl.Info.Start+fanoutMessages {
		b.Fatalf("%s has %d events after its start, fewer than %d", fanoutLesson, tl.Total()-tl.Info.Start, fanoutMessages)
	}
	total := 0
	for k := tl.Info.Start + 1; k <= tl.Info.Start+fanoutMessages; k++ {
		total += len(appendEventsFrame(nil, tl, k, k, nil))
	}
	return total / fanoutMessages
}

// fanoutRounds is PORTVILLE_FANOUT_ROUNDS, 3 by default.
func fanoutRounds() int {
	if n, err := strconv.Atoi(os.Getenv("PORTVILLE_FANOUT_ROUNDS")); err == nil && n > 0 {
		return n
	}
	return 3
}
