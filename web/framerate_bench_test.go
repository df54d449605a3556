package web

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/performance"
	"github.com/chromedp/cdproto/systeminfo"
	"github.com/chromedp/chromedp"

	"portville/sim"
	"portville/web/internal/browsertest"
)

// measureFramesJS counts requestAnimationFrame callbacks for ms
// milliseconds and returns the median frame rate and the longest gap
// between two frames.
const measureFramesJS = `(async (ms) => {
  const times = [];
  let peak = 0;
  await new Promise((done) => {
    const t0 = performance.now();
    const tick = (t) => { times.push(t); if (times.length % 10 === 0) peak = Math.max(peak, document.querySelectorAll(".letter:not(.gone)").length); if (t - t0 < ms) requestAnimationFrame(tick); else done(); };
    requestAnimationFrame(tick);
  });
  const gaps = [];
  for (let i = 1; i < times.length; i++) gaps.push(times[i] - times[i - 1]);
  gaps.sort((a, b) => a - b);
  const median = gaps[Math.floor(gaps.length / 2)];
  const mean = (times.length - 1) / ((times[times.length - 1] - times[0]) / 1000);
  return JSON.stringify({ fps: 1000 / median, mean, worst: gaps[gaps.length - 1], frames: times.length, letters: peak });
})`

type frameStats struct {
	FPS     float64 `json:"fps"`
	Mean    float64 `json:"mean"`
	Worst   float64 `json:"worst"`
	Frames  int     `json:"frames"`
	Letters int     `json:"letters"`
}

// measureFrames counts the frames for 8 s and reports them, with how
// long the page's main thread was busy and how much of that was layout
// (DevTools' Performance.getMetrics: TaskDuration, LayoutDuration).
func measureFrames(b *testing.B, tab *browsertest.Tab) frameStats {
	if _, err := chromedp.Call(tab.Ctx, performance.Enable, performance.EnableParams{}); err != nil {
		b.Fatal(err)
	}
	before, cpuBefore := mainThread(b, tab), chromiumCPU(b, tab)
	raw := browsertest.Eval[string](tab, measureFramesJS+`(8000)`)
	after, cpuAfter := mainThread(b, tab), chromiumCPU(b, tab)
	var fs frameStats
	if err := json.Unmarshal([]byte(raw), &fs); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(fs.FPS, "fps-median")
	b.ReportMetric(fs.Mean, "fps-mean")
	b.ReportMetric(fs.Worst, "worst-frame-ms")
	b.ReportMetric((after[0]-before[0])*1000, "main-busy-ms")
	b.ReportMetric((after[1]-before[1])*1000, "layout-ms")
	// The main thread is one thread of the renderer: work moved off it
	// (to the compositor, a raster thread, a worker) still counts here.
	b.ReportMetric((cpuAfter[0]-cpuBefore[0])*1000, "renderer-cpu-ms")
	b.ReportMetric((cpuAfter[1]-cpuBefore[1])*1000, "chromium-cpu-ms")
	return fs
}

// chromiumCPU returns the CPU time, in seconds, of Chromium's renderer
// processes (every thread of them: main, compositor, raster, workers) and
// of all its processes (the GPU process, which paints in software here,
// and the browser's own too), from DevTools' SystemInfo.getProcessInfo.
func chromiumCPU(b *testing.B, tab *browsertest.Tab) [2]float64 {
	r, err := chromedp.CallBrowser(tab.Ctx, systeminfo.GetProcessInfo, cdp.Empty{})
	if err != nil {
		b.Fatal(err)
	}
	var out [2]float64
	for _, p := range r.ProcessInfo {
		if p.Type == "renderer" {
			out[0] += p.CPUTime
		}
		out[1] += p.CPUTime
	}
	return out
}

// mainThread returns the main thread's busy time and layout time so far, in seconds.
func mainThread(b *testing.B, tab *browsertest.Tab) [2]float64 {
	r, err := chromedp.Call(tab.Ctx, performance.GetMetrics, cdp.Empty{})
	if err != nil {
		b.Fatal(err)
	}
	var out [2]float64
	for _, m := range r.Metrics {
		switch m.Name {
		case "TaskDuration":
			out[0] = m.Value
		case "LayoutDuration":
			out[1] = m.Value
		}
	}
	return out
}

// BenchmarkFrameRateLesson plays a lesson at speed 2 in Chromium
// (1920x1080) and measures the frame rate for 8 s of playback.
func BenchmarkFrameRateLesson(b *testing.B) { lessonFrames(b, 1) }

// BenchmarkFrameRateLessonCPU4x is BenchmarkFrameRateLesson with the
// page's CPU slowed down four times (DevTools' CPU throttling): a cheap
// school laptop or Chromebook.
func BenchmarkFrameRateLessonCPU4x(b *testing.B) { lessonFrames(b, 4) }

// throttle slows the tab's CPU down rate times (1: not at all).
func throttle(b *testing.B, tab *browsertest.Tab, rate float64) {
	if rate <= 1 {
		return
	}
	if _, err := chromedp.Call(tab.Ctx, emulation.SetCPUThrottlingRate, emulation.SetCPUThrottlingRateParams{Rate: rate}); err != nil {
		b.Fatalf("CPU throttling %gx: %v", rate, err)
	}
}

func lessonFrames(b *testing.B, rate float64) {
	base := browserServerB(b)
	tab := browsertest.New(b, browsertest.Options{Width: 1920, Height: 1080})
	tab.Do(chromedp.Navigate(base + "/lesson/many-clients-one-port"))
	browsertest.Wait(tab, `window.portville && window.portville.viewer.meta !== null`, 20*time.Second)
	throttle(b, tab, rate)
	for i := 0; i < b.N; i++ {
		browsertest.Eval[bool](tab, `window.portville.viewer.send({type: "restart"}), window.portville.viewer.send({type: "speed", x: 2}), window.portville.viewer.send({type: "play"}), true`)
		// Keep playing through checkpoints while measuring.
		browsertest.Eval[bool](tab, `(window.__keepPlaying = setInterval(() => { const v = window.portville.viewer; if (!v.playback.playing) v.send({type: "play"}); }, 300)), true`)
		fs := measureFrames(b, tab)
		browsertest.Eval[bool](tab, `clearInterval(window.__keepPlaying), true`)
		b.Logf("lesson, CPU %gx: %.1f fps median, %.1f mean, worst frame %.1f ms, %d frames", rate, fs.FPS, fs.Mean, fs.Worst, fs.Frames)
	}
}

// stressStream makes a town of 12 hosts where every host sends UDP
// letters to the others without waiting: waves of 150 letters in flight.
func stressStream(b testing.TB, waves int) ([]json.RawMessage, map[string]int) {
	var events []json.RawMessage
	w := sim.NewWorld(sim.Config{Seed: 1, Latency: 400 * sim.Millisecond, OnEvent: func(e *sim.Event) {
		events = append(events, e.AppendJSON(nil))
	}})
	var hosts []*sim.Host
	var procs []*sim.Process
	capacity := map[string]int{}
	for i := 0; i < 12; i++ {
		h, err := w.AddHost(sim.HostSpec{Name: fmt.Sprintf("host%d", i+1), Addrs: []netip.Addr{netip.AddrFrom4([4]byte{10, 0, 0, byte(i + 1)})}})
		if err != nil {
			b.Fatal(err)
		}
		h.Install(sim.Program{Name: "echo", Server: &sim.ServerSpec{Listen: []sim.Service{{Proto: sim.UDP, Port: 7}}, Protocol: "none"}})
		h.Install(sim.Program{Name: "sender"})
		h.Start("echo", sim.StartOptions{})
		p, _ := h.Start("sender", sim.StartOptions{})
		hosts, procs = append(hosts, h), append(procs, p)
		capacity[h.Name()] = 2
	}
	// One UDP socket per host, bound once: the letters are the load, not
	// apartments coming and going.
	fds := make([]int, len(procs))
	for i, p := range procs {
		fd, err := p.Main().Socket(sim.UDP)
		if err != nil {
			b.Fatal(err)
		}
		if err := p.Main().Bind(fd, netip.AddrPortFrom(netip.IPv4Unspecified(), 5000)); err != nil {
			b.Fatal(err)
		}
		fds[i] = fd
	}
	for wave := 0; wave < waves; wave++ {
		for k := 0; k < 150; k++ {
			from := k % 12
			to := (from + 1 + (k/12+wave)%11) % 12
			procs[from].Main().SendTo(fds[from], netip.AddrPortFrom(hosts[to].Addr(), 7), "stress")
		}
		w.Settle()
	}
	return events, capacity
}

// BenchmarkFrameRateStress feeds a stream of 12 hosts with about 150
// letters in flight to an offline viewer (1920x1080) at 250 events a
// second, and measures the frame rate for 8 s.
func BenchmarkFrameRateStress(b *testing.B) { stressFrames(b, 1) }

// BenchmarkFrameRateStressCPU4x is BenchmarkFrameRateStress with the
// page's CPU slowed down four times.
func BenchmarkFrameRateStressCPU4x(b *testing.B) { stressFrames(b, 4) }

func stressFrames(b *testing.B, rate float64) {
	events, capacity := stressStream(b, 6)
	base := browserServerB(b)
	tab := browsertest.New(b, browsertest.Options{Width: 1920, Height: 1080})
	tab.Do(chromedp.Navigate(base + "/lesson/sockets?transport=none"))
	browsertest.Wait(tab, `window.portville !== undefined`, 20*time.Second)
	throttle(b, tab, rate)
	data, _ := json.Marshal(map[string]any{"events": events, "capacity": capacity})
	for i := 0; i < b.N; i++ {
		browsertest.Eval[bool](tab, fmt.Sprintf(`(() => {
  const data = %s;
  const v = window.portville.viewer;
  v.receive({type: "hello", v: 1, session: "bench", timeline: 1000 + %d, lesson: {id: "", title: "Stress", summary: "", takeaways: [], os: "linux", seed: 1, start: 0, total: data.events.length, checkpoints: [], capacity: data.capacity},
    snapshot: {seq: 0, t_us: 0, hosts: [], packets: []}, state: {playing: true, speed: 1, seq: 0, total: data.events.length}});
  let i = 0;
  window.__feed = setInterval(() => {
    for (let k = 0; k < 4 && i < data.events.length; k++) v.receive({type: "event", event: data.events[i++]});
    if (i >= data.events.length) clearInterval(window.__feed);
  }, 16);
  return true;
})()`, data, i))
		time.Sleep(1500 * time.Millisecond) // letters fill the street
		fs := measureFrames(b, tab)
		browsertest.Eval[bool](tab, `clearInterval(window.__feed), true`)
		b.ReportMetric(float64(fs.Letters), "letters-peak")
		b.Logf("stress, CPU %gx: %.1f fps median, %.1f mean, worst frame %.1f ms, %d frames, at most %d letters on screen", rate, fs.FPS, fs.Mean, fs.Worst, fs.Frames, fs.Letters)
	}
}

func browserServerB(b *testing.B) string { return browserServer(b, nil) }
