package pcap_test

import (
	"bytes"
	"errors"
	"io"
	"net/netip"
	"os"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"portville/sim"
	"portville/sim/lessons"
	"portville/sim/pcap"
	"portville/sim/scenario"
)

// capture runs sc with opt and returns the capture and the run's
// packet.send events.
func capture(t *testing.T, sc *scenario.Scenario, opt scenario.Options) ([]byte, []*sim.Event) {
	t.Helper()
	var sends []*sim.Event
	opt.OnEvent = func(e *sim.Event) {
		if e.Kind == sim.KindPacketSend {
			c := *e
			sends = append(sends, &c)
		}
	}
	var buf bytes.Buffer
	if err := pcap.Capture(&buf, sc, opt, 0); err != nil {
		t.Fatalf("seed %d, os %q: %v", sc.SeedFor(opt), opt.OS, err)
	}
	return buf.Bytes(), sends
}

// frame is a decoded frame of a capture.
type frame struct {
	eth  *layers.Ethernet
	ip   *layers.IPv4
	tcp  *layers.TCP
	udp  *layers.UDP
	arp  *layers.ARP
	data []byte
}

func readFrames(t *testing.T, file []byte) []frame {
	t.Helper()
	r, err := pcapgo.NewReader(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if r.LinkType() != layers.LinkTypeEthernet {
		t.Fatalf("link type %v, want Ethernet", r.LinkType())
	}
	var out []frame
	for {
		data, _, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		p := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
		if el := p.ErrorLayer(); el != nil {
			t.Fatalf("frame %d: %v", len(out)+1, el.Error())
		}
		var f frame
		f.eth, _ = p.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
		f.ip, _ = p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		f.tcp, _ = p.Layer(layers.LayerTypeTCP).(*layers.TCP)
		f.udp, _ = p.Layer(layers.LayerTypeUDP).(*layers.UDP)
		f.arp, _ = p.Layer(layers.LayerTypeARP).(*layers.ARP)
		switch {
		case f.tcp != nil:
			f.data = f.tcp.Payload
		case f.udp != nil:
			f.data = f.udp.Payload
		}
		out = append(out, f)
	}
}

// TestLessonCaptures: for every lesson on every OS, every letter becomes
// one frame with the letter's addresses, ports, flags, sequence numbers
// and bytes; letters that describe a protocol's message carry as many
// bytes as the simulation counted (Capture fails otherwise).
func TestLessonCaptures(t *testing.T) {
	t.Parallel()
	all, err := lessons.All()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range all {
		for _, p := range sim.Profiles {
			t.Run(l.ID+"/"+p.Name, func(t *testing.T) {
				t.Parallel()
				file, sends := capture(t, l.Scenario, scenario.Options{OS: p.Name})
				frames := readFrames(t, file)
				if len(frames) != len(sends) {
					t.Fatalf("%d frames for %d letters (no lesson letter is longer than one frame)", len(frames), len(sends))
				}
				wired := 0
				for i, e := range sends {
					checkFrame(t, i+1, frames[i], e)
					if e.Wire != sim.WireNone {
						wired++
					}
				}
				if l.ID == "a-web-page" && wired == 0 {
					t.Error("a-web-page has no DNS, TLS or QUIC letters")
				}
			})
		}
	}
}

func checkFrame(t *testing.T, n int, f frame, e *sim.Event) {
	t.Helper()
	if e.ToHost == "" {
		if f.arp == nil || netip.AddrFrom4([4]byte(f.arp.DstProtAddress)) != e.Dst.Addr() {
			t.Errorf("frame %d: a letter to %s, which no host has, should be an ARP request for it", n, e.Dst.Addr())
		}
		return
	}
	if f.ip == nil {
		t.Fatalf("frame %d: no IPv4 for letter %d", n, e.Packet)
	}
	src, _ := netip.AddrFromSlice(f.ip.SrcIP)
	dst, _ := netip.AddrFromSlice(f.ip.DstIP)
	if src != e.Src.Addr() || dst != e.Dst.Addr() {
		t.Errorf("frame %d: %s -> %s, want %s -> %s", n, src, dst, e.Src.Addr(), e.Dst.Addr())
	}
	loopback := e.ToHost == e.Host
	zero := bytes.Equal(f.eth.SrcMAC, make([]byte, 6)) && bytes.Equal(f.eth.DstMAC, make([]byte, 6))
	if loopback != zero {
		t.Errorf("frame %d: loopback %v but MACs %s -> %s", n, loopback, f.eth.SrcMAC, f.eth.DstMAC)
	}
	var sport, dport uint16
	switch {
	case e.Proto == sim.TCP && f.tcp != nil:
		sport, dport = uint16(f.tcp.SrcPort), uint16(f.tcp.DstPort)
		flags := sim.Flags(0)
		for _, fl := range []struct {
			on bool
			f  sim.Flags
		}{{f.tcp.SYN, sim.SYN}, {f.tcp.FIN, sim.FIN}, {f.tcp.RST, sim.RST}, {f.tcp.PSH, sim.PSH}, {f.tcp.ACK, sim.ACK}} {
			if fl.on {
				flags |= fl.f
			}
		}
		if flags != e.Flags || f.tcp.Seq != e.TCPSeq || f.tcp.Ack != e.TCPAck {
			t.Errorf("frame %d: TCP %s seq %d ack %d, want %s seq %d ack %d", n, flags, f.tcp.Seq, f.tcp.Ack, e.Flags, e.TCPSeq, e.TCPAck)
		}
		hasMSS := len(f.tcp.Options) > 0 && f.tcp.Options[0].OptionType == layers.TCPOptionKindMSS
		if hasMSS != (e.Flags&sim.SYN != 0) {
			t.Errorf("frame %d: MSS option %v on a segment with flags %s", n, hasMSS, e.Flags)
		}
	case e.Proto == sim.UDP && f.udp != nil:
		sport, dport = uint16(f.udp.SrcPort), uint16(f.udp.DstPort)
	default:
		t.Fatalf("frame %d: not a %s segment", n, e.Proto)
	}
	if sport != e.Src.Port() || dport != e.Dst.Port() {
		t.Errorf("frame %d: ports %d -> %d, want %d -> %d", n, sport, dport, e.Src.Port(), e.Dst.Port())
	}
	if len(f.data) != e.Len {
		t.Errorf("frame %d: %d bytes of payload, the simulation counted %d (%s %q)", n, len(f.data), e.Len, e.Wire, e.Data)
	}
	if e.Wire == sim.WireNone && string(f.data) != e.Payload {
		t.Errorf("frame %d: payload %q, want %q", n, f.data, e.Payload)
	}
}

// TestCaptureDeterministic: the same scenario and seed give the same
// bytes; another seed gives other ports, and so another file.
func TestCaptureDeterministic(t *testing.T) {
	t.Parallel()
	l, err := lessons.Get("a-web-page")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := capture(t, l.Scenario, scenario.Options{})
	b, _ := capture(t, l.Scenario, scenario.Options{})
	c, _ := capture(t, l.Scenario, scenario.Options{Seed: 2, SeedSet: true})
	if !bytes.Equal(a, b) {
		t.Error("two runs with one seed gave different captures")
	}
	if bytes.Equal(a, c) {
		t.Error("seeds 11 and 2 gave the same capture")
	}
}

// TestCaptureWire: a TCP send longer than the MSS leaves in MSS-sized segments, a long
// UDP datagram in IP fragments, a letter to nobody as an ARP request, and
// loopback letters with the MSS of lo.
func TestCaptureWire(t *testing.T) {
	t.Parallel()
	sc := wireScenario(t)
	file, sends := capture(t, sc, scenario.Options{})
	frames := readFrames(t, file)
	var segs, frags, arps, loMSS int
	var tcpBytes, fragBytes int
	for _, f := range frames {
		switch {
		case f.arp != nil:
			arps++
		case f.tcp != nil && f.tcp.SrcPort == 9000 || f.tcp != nil && f.tcp.DstPort == 9000:
			if len(f.tcp.Payload) > 0 {
				segs++
				tcpBytes += len(f.tcp.Payload)
				if len(f.tcp.Payload) > 1460 {
					t.Errorf("a segment of %d bytes on the street (MSS 1460)", len(f.tcp.Payload))
				}
			}
		case f.ip != nil && (f.ip.Flags&layers.IPv4MoreFragments != 0 || f.ip.FragOffset != 0):
			frags++
			fragBytes += len(f.ip.Payload)
		}
		if f.tcp != nil && f.tcp.SYN && bytes.Equal(f.eth.SrcMAC, make([]byte, 6)) {
			if mss := int(f.tcp.Options[0].OptionData[0])<<8 | int(f.tcp.Options[0].OptionData[1]); mss == 65495 {
				loMSS++
			}
		}
	}
	want := 0
	for _, e := range sends {
		if e.Proto == sim.TCP && e.Dst.Port() == 9000 {
			want += e.Len
		}
	}
	if segs != 2 || tcpBytes != want || want != 2000 {
		t.Errorf("2,000 bytes to port 9000 left in %d segments of %d bytes in all (letters: %d bytes), want 2 segments", segs, tcpBytes, want)
	}
	if frags != 2 || fragBytes != 2008 {
		t.Errorf("a 2,000-byte datagram left in %d fragments of %d bytes in all, want 2 and 2,008 (UDP header included)", frags, fragBytes)
	}
	if arps == 0 {
		t.Error("no ARP request for the address nobody has")
	}
	if loMSS != 2 {
		t.Errorf("%d loopback SYNs announce lo's MSS 65495, want 2 (SYN and SYN/ACK)", loMSS)
	}
}

// wireScenario is testdata/wire.yaml: letters the wire cuts up or never
// carries.
func wireScenario(t *testing.T) *scenario.Scenario {
	t.Helper()
	data, err := os.ReadFile("testdata/wire.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := scenario.Parse("testdata/wire.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// TestCaptureLimit: a capture that would pass its limit stops with
// ErrTooLarge.
func TestCaptureLimit(t *testing.T) {
	t.Parallel()
	l, err := lessons.Get("ephemeral-ports")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, err := pcap.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	w.Limit = 1000
	var werr error
	if _, err := l.Scenario.Run(scenario.Options{OnEvent: func(e *sim.Event) {
		if werr == nil {
			werr = w.Event(e)
		}
	}}); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(werr, pcap.ErrTooLarge) {
		t.Fatalf("a 1,000-byte limit: %v, want ErrTooLarge", werr)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if buf.Len() > 1000 || w.Frames() == 0 {
		t.Errorf("wrote %d bytes in %d frames with a 1,000-byte limit", buf.Len(), w.Frames())
	}
}
