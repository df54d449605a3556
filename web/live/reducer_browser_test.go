package live

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/chromedp/chromedp"

	"portville/sim"
	"portville/static"
	"portville/web/internal/browsertest"
)

func TestMain(m *testing.M) { os.Exit(browsertest.Main(m)) }

// TestBrowserReducerLive: the view's reducer (static/js/model.js), given
// the town's first snapshot and then the events of each look, holds
// exactly the town's snapshot after that look: the live view draws what
// the machine has.
func TestBrowserReducerLive(t *testing.T) {
	hs := httptest.NewServer(http.FileServer(http.FS(static.FS)))
	t.Cleanup(hs.Close)
	tab := browsertest.New(t, browsertest.Options{})
	tab.Do(chromedp.Navigate(hs.URL + "/"))
	browsertest.Eval[bool](tab, fmt.Sprintf(`import(%q).then((m) => {
		window.model = m;
		const canon = (v) => Array.isArray(v) ? v.map(canon) : v && typeof v === "object" ?
			Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])])) : v;
		window.canon = (v) => JSON.stringify(canon(v));
		return true;
	})`, hs.URL+"/js/model.js"))

	tw := browsing
	tw.State, tw.PID, tw.FD = "TIME_WAIT", 0, 0
	served := Socket{Proto: sim.TCP, Local: ap("10.0.0.5:22"), Remote: ap("10.0.0.7:40000"), State: "TIME_WAIT"}
	v6 := Socket{Proto: sim.TCP, Local: ap("[::]:8080"), State: "LISTEN", PID: 200, FD: 7}
	bound := Socket{Proto: sim.UDP, Local: ap("0.0.0.0:5353"), State: "UNCONN", PID: 200, FD: 8}
	moved := visitor
	moved.PID, moved.FD = 200, 9 // passed to another process
	looks := [][]Socket{
		{sshd, visitor, browsing},
		{sshd, visitor, tw, dns, v6, bound, served},
		{sshd, moved, dns, bound, served},
		{sshd, moved},
		{sshd},
		{},
		{sshd, visitor, browsing, dns},
	}
	town := NewTown()
	var state string
	for i, socks := range looks {
		evs := town.Update(machine(socks...), sim.Time(i)*sim.Second)
		want, _ := json.Marshal(town.Snapshot())
		if i == 0 {
			state = string(want)
			continue
		}
		data, _ := json.Marshal(evs)
		got := browsertest.Eval[string](tab, fmt.Sprintf(`(() => {
			let st = model.fromSnapshot(%s);
			for (const e of %s) st = model.apply(st, e);
			return canon(st);
		})()`, state, data))
		if wantC := browsertest.Eval[string](tab, fmt.Sprintf(`canon(%s)`, want)); got != wantC {
			t.Fatalf("look %d (events %v): the reducer holds\n%s\nthe town is\n%s", i, kinds(evs), got, wantC)
		}
		state = string(want)
	}
}
