package pcap_test

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"portville/sim"
	"portville/sim/lessons"
	"portville/sim/pcap"
	"portville/sim/scenario"
)

// tshark returns the path of Debian's tshark (.ci/install-tshark installs
// it). Without it the test skips, unless PORTVILLE_REQUIRE_TSHARK=1, as in
// CI, where it fails.
func tshark(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("tshark")
	if err != nil {
		if os.Getenv("PORTVILLE_REQUIRE_TSHARK") == "1" {
			t.Fatal("tshark is required (PORTVILLE_REQUIRE_TSHARK=1) but not installed: run .ci/install-tshark")
		}
		t.Skip("tshark is not installed (.ci/install-tshark installs Debian's); skipping the Wireshark checks")
	}
	return path
}

// runTshark reads a capture with Wireshark's dissectors, checksums
// checked, and returns what it printed.
func runTshark(t *testing.T, bin, file string, args ...string) string {
	t.Helper()
	base := []string{"-n", "-r", file, "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE"}
	cmd := exec.Command(bin, append(base, args...)...)
	// tshark keeps its profile and recent files under HOME.
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// expertError is the severity of Wireshark's expert errors
// (PI_ERROR, epan/proto.h); warnings are below it.
const expertError = 0x00800000

// checkFrames reads tshark's fields for every frame: each IPv4 header and
// each TCP or UDP checksum it verified is good (status 1), and no frame is
// malformed or has an expert error.
func checkFrames(t *testing.T, out string) {
	t.Helper()
	verified := 0
	for _, row := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Split(row, "|")
		if len(f) != 7 {
			t.Fatalf("tshark row %q", row)
		}
		for _, st := range f[1:4] {
			for _, v := range strings.Split(st, ",") {
				switch v {
				case "1":
					verified++
				case "", "2": // no such header; an IP fragment's UDP checksum waits for reassembly
				default:
					t.Errorf("frame %s: checksum status %q (%s)", f[0], v, f[6])
				}
			}
		}
		for _, sev := range strings.Split(f[4], ",") {
			var n int
			if fmt.Sscan(sev, &n); n >= expertError {
				t.Errorf("frame %s: an expert error (%s)", f[0], f[6])
			}
		}
		if f[5] != "" {
			t.Errorf("frame %s: malformed (%s)", f[0], f[6])
		}
	}
	if verified == 0 {
		t.Error("tshark verified no checksum: the checks prove nothing")
	}
}

// TestTsharkReadsLessons: Wireshark's tshark reads every lesson's capture
// (and testdata/wire.yaml's)
// with no malformed packet and no bad checksum; its conversation lists
// hold exactly the 4-tuples of the event stream; and following each TCP
// stream gives the bytes the lesson sent, in both directions.
func TestTsharkReadsLessons(t *testing.T) {
	t.Parallel()
	bin := tshark(t)
	all, err := lessons.All()
	if err != nil {
		t.Fatal(err)
	}
	scs := map[string]*scenario.Scenario{"testdata/wire.yaml": wireScenario(t)}
	for _, l := range all {
		scs[l.ID] = l.Scenario
	}
	for id, sc := range scs {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			data, sends := capture(t, sc, scenario.Options{})
			file := filepath.Join(t.TempDir(), "capture.pcap")
			if err := os.WriteFile(file, data, 0o644); err != nil {
				t.Fatal(err)
			}
			checkFrames(t, runTshark(t, bin, file, "-T", "fields", "-E", "separator=|", "-e", "frame.number", "-e", "ip.checksum.status",
				"-e", "tcp.checksum.status", "-e", "udp.checksum.status", "-e", "_ws.expert.severity", "-e", "_ws.malformed", "-e", "_ws.col.Info"))
			conns := connections(sends, readFrames(t, data))
			args := []string{"-q", "-z", "conv,tcp", "-z", "conv,udp"}
			for i := range conns.streams {
				args = append(args, "-z", fmt.Sprintf("follow,tcp,raw,%d", i))
			}
			out := runTshark(t, bin, file, args...)
			got := conversations(out)
			if !slices.Equal(got, conns.tuples) {
				t.Errorf("conversations:\n  tshark: %v\n  events: %v", got, conns.tuples)
			}
			follows := follow(out)
			for i, want := range conns.streams {
				if follows[i] != want {
					t.Errorf("tcp stream %d: tshark follows\n%q\nthe events sent\n%q", i, follows[i], want)
				}
			}
		})
	}
}

// conns is what the events say tshark should see: the sorted 4-tuples
// ("proto a <-> b", the two ends sorted), and per TCP connection, in the
// order its SYN went out, the bytes sent in each direction as tshark's
// follow prints them ("> " for the side that sent the SYN, "< " for the
// other).
type conns struct {
	tuples  []string
	streams []string
}

func connections(sends []*sim.Event, frames []frame) conns {
	var c conns
	type conn struct {
		client string
		n      int
	}
	byTuple := map[string]*conn{}
	syns := map[string]bool{}
	first := firstFrames(sends)
	var text []*strings.Builder
	for i, e := range sends {
		if e.ToHost == "" {
			continue // ARP only: the letter never left
		}
		a, b := e.Src.String(), e.Dst.String()
		if b < a {
			a, b = b, a
		}
		key := e.Proto.String() + " " + a + " <-> " + b
		if !slices.Contains(c.tuples, key) {
			c.tuples = append(c.tuples, key)
		}
		if e.Proto != sim.TCP {
			continue
		}
		// A SYN starts a new stream, unless it repeats one (a
		// retransmission): Wireshark's tcp.stream numbering.
		if syn := fmt.Sprintf("%s>%s#%d", e.Src, e.Dst, e.TCPSeq); e.Flags&(sim.SYN|sim.ACK) == sim.SYN && !syns[syn] {
			syns[syn] = true
			byTuple[key] = &conn{client: e.Src.String(), n: len(text)}
			text = append(text, &strings.Builder{})
		}
		cn := byTuple[key]
		if cn == nil || e.Len == 0 {
			continue
		}
		dir := "> "
		if e.Src.String() != cn.client {
			dir = "< "
		}
		// What the lesson sent; for a letter that describes a protocol's
		// message, the message the writer built (TestTsharkDecodesMessages
		// checks what it says).
		payload := []byte(e.Payload)
		if e.Wire != sim.WireNone {
			payload = nil
			for _, f := range frames[first[i]:first[i+1]] {
				payload = append(payload, f.data...)
			}
		}
		fmt.Fprintf(text[cn.n], "%s%s\n", dir, hex.EncodeToString(payload))
	}
	slices.Sort(c.tuples)
	for _, b := range text {
		c.streams = append(c.streams, joinRuns(b.String()))
	}
	return c
}

// firstFrames returns the index of each letter's first frame, and one
// more index past the last: a TCP letter longer than the MSS takes a
// frame per MSS, a UDP one longer than the MTU a frame per fragment.
func firstFrames(sends []*sim.Event) []int {
	first := make([]int, len(sends)+1)
	for i, e := range sends {
		n := 1
		switch {
		case e.ToHost == "" || e.ToHost == e.Host:
		case e.Proto == sim.TCP && e.Len > 1460:
			n = (e.Len + 1459) / 1460
		case e.Proto == sim.UDP && e.Len+8 > 1480:
			n = (e.Len + 8 + 1479) / 1480
		}
		first[i+1] = first[i] + n
	}
	return first
}

// joinRuns joins consecutive lines of one direction ("> hex", "< hex"):
// how the bytes were cut into segments does not matter to what was sent.
func joinRuns(s string) string {
	var out []string
	for _, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		if line == "" {
			continue
		}
		if n := len(out); n > 0 && out[n-1][:2] == line[:2] {
			out[n-1] += line[2:]
			continue
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// conversations reads tshark's -z conv,tcp and -z conv,udp tables.
func conversations(out string) []string {
	var got []string
	proto := ""
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "TCP Conversations"):
			proto = "tcp"
		case strings.HasPrefix(line, "UDP Conversations"):
			proto = "udp"
		case strings.Contains(line, "<->"):
			f := strings.Fields(line)
			a, b := f[0], f[2]
			if b < a {
				a, b = b, a
			}
			key := proto + " " + a + " <-> " + b
			if !slices.Contains(got, key) {
				got = append(got, key)
			}
		}
	}
	slices.Sort(got)
	return got
}

// follow reads tshark's -z follow,tcp,raw,N blocks: per stream, each
// segment's bytes in hex, a tab in front of the second node's.
func follow(out string) map[int]string {
	res := map[int]string{}
	stream := -1
	var b strings.Builder
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "Filter: tcp.stream eq "):
			fmt.Sscanf(line, "Filter: tcp.stream eq %d", &stream)
			b.Reset()
		case strings.HasPrefix(line, "====="):
			if stream >= 0 {
				res[stream] = joinRuns(b.String())
				stream = -1
			}
		case stream >= 0 && !strings.HasPrefix(line, "Node ") && !strings.HasPrefix(line, "Follow: ") && line != "":
			dir, hexed := "> ", line
			if strings.HasPrefix(line, "\t") {
				dir, hexed = "< ", line[1:]
			}
			fmt.Fprintf(&b, "%s%s\n", dir, hexed)
		}
	}
	return res
}

// TestTsharkDecodesMessages: Wireshark reads the messages that letters
// describe as what they say: each DNS query and answer with its ID, name
// and addresses; each TLS ClientHello with the site's name, and records
// of the right sizes; QUIC Initial packets it can decrypt, with the site's
// name inside and the connection IDs of the letters; TFTP requests, blocks
// and acknowledgements.
func TestTsharkDecodesMessages(t *testing.T) {
	t.Parallel()
	bin := tshark(t)
	fields := []string{"frame.number", "dns.id", "dns.qry.name", "dns.a", "dns.flags.truncated",
		"tls.handshake.extensions_server_name", "tls.record.content_type", "tls.record.opaque_type", "tls.record.length",
		"quic.long.packet_type", "quic.scid", "quic.dcid", "tftp.opcode", "tftp.source_file", "tftp.block"}
	scs := map[string]*scenario.Scenario{"testdata/wire.yaml": wireScenario(t)}
	for _, id := range []string{"a-web-page", "well-known-ports", "server-ephemeral-ports"} {
		l, err := lessons.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		scs[id] = l.Scenario
	}
	for id, sc := range scs {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			data, sends := capture(t, sc, scenario.Options{})
			file := filepath.Join(t.TempDir(), "capture.pcap")
			if err := os.WriteFile(file, data, 0o644); err != nil {
				t.Fatal(err)
			}
			args := []string{"-T", "fields", "-E", "separator=|"}
			for _, f := range fields {
				args = append(args, "-e", f)
			}
			rows := strings.Split(strings.TrimSpace(runTshark(t, bin, file, args...)), "\n")
			first := firstFrames(sends)
			if len(rows) != first[len(sends)] {
				t.Fatalf("%d rows for %d frames", len(rows), first[len(sends)])
			}
			checked := map[sim.Wire]int{}
			for i, e := range sends {
				if e.Wire == sim.WireNone {
					continue
				}
				f := map[string]string{}
				for k, v := range strings.Split(rows[first[i]], "|") {
					f[fields[k]] = v
				}
				f["tls.appdata"] = f["tls.record.opaque_type"] + f["tls.record.content_type"]
				if want := wantFields(t, e); !mapsSubset(want, f) {
					t.Errorf("frame %d (%q): tshark reads %v, want %v", i+1, e.Payload, f, want)
				}
				checked[e.Wire]++
			}
			t.Logf("checked %v", checked)
			if id == "a-web-page" && (checked[sim.WireDNS] < 2 || checked[sim.WireTLS] < 8 || checked[sim.WireQUIC] < 5) {
				t.Errorf("a-web-page: checked %v, want DNS, TLS and QUIC letters", checked)
			}
			if id == "testdata/wire.yaml" && checked[sim.WireDNS] != 6 {
				t.Errorf("wire.yaml: %d DNS letters, want 6 (a:9000 is looked up too; big.example gets a truncated answer and is asked again over TCP)", checked[sim.WireDNS])
			}
			if id == "server-ephemeral-ports" && checked[sim.WireTFTP] != 3 {
				t.Errorf("server-ephemeral-ports: %d TFTP letters, want 3", checked[sim.WireTFTP])
			}
		})
	}
}

// wantFields is what tshark should read in a letter's frame.
func wantFields(t *testing.T, e *sim.Event) map[string]string {
	t.Helper()
	switch e.Wire {
	case sim.WireDNS:
		l, _ := sim.ParseDNSLetter(e.Payload)
		addrs := make([]string, len(l.Addrs))
		for i, a := range l.Addrs {
			addrs[i] = a.String()
		}
		trunc := "0"
		if l.Truncated {
			trunc = "1"
		}
		return map[string]string{"dns.id": fmt.Sprintf("0x%04x", l.ID), "dns.qry.name": l.Name, "dns.a": strings.Join(addrs, ","), "dns.flags.truncated": trunc}
	case sim.WireTLS:
		l, _ := sim.ParseTLSLetter(e.Payload)
		switch l.Stage {
		case "ClientHello":
			return map[string]string{"tls.handshake.extensions_server_name": l.Name, "tls.record.content_type": "22", "tls.record.length": "512"}
		case "ServerHello":
			return map[string]string{"tls.record.content_type": "22,20", "tls.record.opaque_type": "23"}
		case "Finished":
			return map[string]string{"tls.record.content_type": "20", "tls.record.opaque_type": "23", "tls.record.length": "1,53"}
		}
		// Application data: TLS 1.3 names it the record's opaque type; a
		// connection whose handshake the capture lacks, its content type.
		return map[string]string{"tls.appdata": "23", "tls.record.length": fmt.Sprint(l.Data + 17)}
	case sim.WireQUIC:
		l, _ := sim.ParseQUICLetter(e.Payload)
		switch l.Stage {
		case "Initial":
			return map[string]string{"quic.long.packet_type": "0", "quic.scid": l.SCID, "tls.handshake.extensions_server_name": l.Name}
		case "ServerHandshake":
			return map[string]string{"quic.long.packet_type": "0,2", "quic.scid": l.SCID + "," + l.SCID, "quic.dcid": l.DCID + "," + l.DCID}
		case "Finished":
			return map[string]string{"quic.long.packet_type": "2", "quic.dcid": l.DCID}
		}
		return map[string]string{"quic.dcid": l.DCID}
	case sim.WireTFTP:
		l, _ := sim.ParseTFTPLetter(e.Payload)
		switch l.Op {
		case "RRQ":
			return map[string]string{"tftp.opcode": "1", "tftp.source_file": l.File}
		case "DATA":
			return map[string]string{"tftp.opcode": "3", "tftp.block": fmt.Sprint(l.Block)}
		case "ACK":
			return map[string]string{"tftp.opcode": "4", "tftp.block": fmt.Sprint(l.Block)}
		}
		return map[string]string{"tftp.opcode": "5"}
	}
	t.Fatalf("wire %s", e.Wire)
	return nil
}

func mapsSubset(want, got map[string]string) bool {
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

// TestTsharkFindsMalformed: the checks above can fail. Text sent to port
// 53 is a malformed DNS message to Wireshark, and checkFrames says so.
func TestTsharkFindsMalformed(t *testing.T) {
	t.Parallel()
	bin := tshark(t)
	var buf bytes.Buffer
	w, err := pcap.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []*sim.Event{
		{Kind: sim.KindHostUp, Host: "a", OS: "linux"},
		{Kind: sim.KindHostUp, Host: "b", OS: "linux"},
		{Kind: sim.KindPacketSend, Host: "a", ToHost: "b", Proto: sim.UDP, Packet: 1,
			Src: netip.MustParseAddrPort("10.0.0.1:40000"), Dst: netip.MustParseAddrPort("10.0.0.2:53"),
			Len: 14, Payload: "example.com A?"},
	} {
		if err := w.Event(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "bad.pcap")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out := runTshark(t, bin, file, "-T", "fields", "-E", "separator=|", "-e", "frame.number", "-e", "ip.checksum.status",
		"-e", "tcp.checksum.status", "-e", "udp.checksum.status", "-e", "_ws.expert.severity", "-e", "_ws.malformed", "-e", "_ws.col.Info")
	f := strings.Split(strings.TrimSpace(out), "|")
	if len(f) != 7 || f[5] == "" {
		t.Errorf("tshark's row for text on port 53 does not say malformed: %q", out)
	}
}
