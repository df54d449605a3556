// Package pcap writes a run's letters as a capture file that Wireshark and
// tshark open: every packet.send event becomes the Ethernet frame that
// would cross the network (or the loopback interface), with IPv4, TCP or
// UDP headers, valid checksums, and the sequence numbers, ports and
// payload sizes of the simulation.
//
// It is an adapter beside the simulator, not part of it: package sim stays
// standard library only (and small enough for WebAssembly); this package
// uses gopacket (github.com/gopacket/gopacket, the maintained fork of
// google/gopacket) for the file format and the headers, and
// golang.org/x/net/dns/dnsmessage for DNS messages.
//
// What a capture holds (docs/wireshark.md says it for learners):
//   - One frame per letter, stamped with the run's virtual time (the run
//     starts at 1970-01-01 00:00:00 UTC). A TCP segment longer than the
//     path's MSS leaves as several frames, a UDP datagram longer than the
//     MTU as IP fragments, as a capture on the wire shows them.
//   - Each host has one made-up, stable MAC address (02:50:...: locally
//     administered, from its name). Letters between two processes of one
//     host are framed as Linux frames them on lo: MAC 00:00:00:00:00:00.
//   - A letter to an address no host has never leaves as IP: the sender
//     asks for the address with ARP, and nobody answers. Other ARP traffic
//     is left out (the hosts' ARP caches are warm).
//   - Letters whose data describes a binary protocol's message
//     (sim.Wire: DNS, TLS, QUIC, TFTP) carry that message, built here
//     with the sizes the simulation counted. Encrypted parts are bytes
//     from a generator seeded by the letter, so the same run gives the
//     same file.
package pcap

import (
	"bufio"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"portville/sim"
	"portville/sim/scenario"
)

// Bounds of the frames a capture holds.
const (
	// snapLenBytes is the capture's snapshot length: every frame is whole.
	snapLenBytes = 65536 + 14
	// ethMTUBytes is the MTU of the street between hosts, and
	// ethMSSBytes the MSS that follows from it.
	ethMTUBytes = 1500
	ethMSSBytes = ethMTUBytes - 40
	// loMSSBytes is what Linux announces on lo (MTU 65536).
	loMSSBytes = 65495
)

// ErrTooLarge is returned once a capture would pass the Writer's Limit.
var ErrTooLarge = errors.New("the capture is larger than its limit")

// Writer turns events into frames. Give it every event of a run in order
// (it needs host.up to know each host's OS and packet.send for the
// letters); Flush when the run is over.
type Writer struct {
	// Limit, when positive, bounds the bytes written; Event returns
	// ErrTooLarge rather than pass it.
	Limit int64

	out     *bufio.Writer
	file    *pcapgo.Writer
	written int64
	frames  int
	hosts   map[string]*hostInfo
	macs    map[[6]byte]bool
	tls     map[[2]netip.AddrPort][]byte // a ClientHello's session ID, by (client, server)
	quic    map[string]string            // a QUIC server's connection ID -> the client's
	buf     gopacket.SerializeBuffer
}

// hostInfo is what the capture needs of a host.
type hostInfo struct {
	mac  net.HardwareAddr
	ttl  uint8
	win  uint16 // the TCP window it announces
	ipID uint16
}

// NewWriter writes a pcap file header (Ethernet frames, microsecond
// timestamps) to out and returns a Writer for the frames.
func NewWriter(out io.Writer) (*Writer, error) {
	w := &Writer{
		out:   bufio.NewWriterSize(out, 64<<10),
		hosts: map[string]*hostInfo{},
		macs:  map[[6]byte]bool{},
		tls:   map[[2]netip.AddrPort][]byte{},
		quic:  map[string]string{},
		buf:   gopacket.NewSerializeBuffer(),
	}
	w.file = pcapgo.NewWriter(countingWriter{w})
	if err := w.file.WriteFileHeader(snapLenBytes, layers.LinkTypeEthernet); err != nil {
		return nil, err
	}
	return w, nil
}

// Frames returns how many frames the Writer has written.
func (w *Writer) Frames() int { return w.frames }

// Flush writes out what is buffered.
func (w *Writer) Flush() error { return w.out.Flush() }

type countingWriter struct{ w *Writer }

func (c countingWriter) Write(p []byte) (int, error) {
	c.w.written += int64(len(p))
	return c.w.out.Write(p)
}

// Event takes one event of the run; only host.up and packet.send matter.
func (w *Writer) Event(e *sim.Event) error {
	switch e.Kind {
	case sim.KindHostUp:
		w.addHost(e.Host, e.OS)
	case sim.KindPacketSend:
		return w.letter(e)
	}
	return nil
}

// addHost gives a host its MAC address, TTL and window. The MAC comes
// from the name, so a host keeps it from run to run; a clash takes the
// next free one.
func (w *Writer) addHost(name, os string) {
	h := fnv.New32a()
	h.Write([]byte(name))
	sum := h.Sum32()
	var mac [6]byte
	mac[0], mac[1] = 0x02, 0x50
	for {
		mac[2], mac[3], mac[4], mac[5] = byte(sum>>24), byte(sum>>16), byte(sum>>8), byte(sum)
		if !w.macs[mac] {
			break
		}
		sum++
	}
	w.macs[mac] = true
	hi := &hostInfo{mac: net.HardwareAddr(mac[:]), ttl: 64, win: 64240, ipID: uint16(sum >> 7)}
	switch os {
	case "windows":
		hi.ttl = 128
	case "macos", "freebsd":
		hi.win = 65535
	}
	w.hosts[name] = hi
}

func (w *Writer) host(name string) *hostInfo {
	if w.hosts[name] == nil {
		w.addHost(name, "")
	}
	return w.hosts[name]
}

// letter writes the frames of one packet.send.
func (w *Writer) letter(e *sim.Event) error {
	if !e.Src.Addr().Is4() || !e.Dst.Addr().Is4() {
		return fmt.Errorf("pcap: letter %d: only IPv4 is simulated (%s -> %s)", e.Packet, e.Src, e.Dst)
	}
	from := w.host(e.Host)
	ts := time.UnixMicro(int64(e.T)).UTC()
	if e.ToHost == "" {
		return w.arp(ts, from, e)
	}
	payload, err := w.payload(e)
	if err != nil {
		return err
	}
	eth := &layers.Ethernet{SrcMAC: from.mac, DstMAC: w.host(e.ToHost).mac, EthernetType: layers.EthernetTypeIPv4}
	loopback := e.ToHost == e.Host
	if loopback {
		eth.SrcMAC = make(net.HardwareAddr, 6)
		eth.DstMAC = eth.SrcMAC
	}
	if e.Proto == sim.TCP {
		return w.tcp(ts, eth, from, e, payload, loopback)
	}
	return w.udp(ts, eth, from, e, payload, loopback)
}

func (w *Writer) ip(from *hostInfo, e *sim.Event, proto layers.IPProtocol) *layers.IPv4 {
	from.ipID++
	return &layers.IPv4{
		Version: 4, TTL: from.ttl, Id: from.ipID, Protocol: proto, Flags: layers.IPv4DontFragment,
		SrcIP: e.Src.Addr().AsSlice(), DstIP: e.Dst.Addr().AsSlice(),
	}
}

// tcp writes a segment, split at the MSS when its payload is longer, as
// it crosses the wire (the sender's segmentation offload does the same).
func (w *Writer) tcp(ts time.Time, eth *layers.Ethernet, from *hostInfo, e *sim.Event, payload []byte, loopback bool) error {
	mss := ethMSSBytes
	if loopback {
		mss = loMSSBytes
	}
	off := 0
	for {
		n := min(len(payload)-off, mss)
		last := off+n == len(payload)
		t := &layers.TCP{
			SrcPort: layers.TCPPort(e.Src.Port()), DstPort: layers.TCPPort(e.Dst.Port()),
			Seq: e.TCPSeq + uint32(off), Ack: e.TCPAck, Window: from.win,
			SYN: e.Flags&sim.SYN != 0, ACK: e.Flags&sim.ACK != 0, RST: e.Flags&sim.RST != 0,
			FIN: last && e.Flags&sim.FIN != 0, PSH: last && e.Flags&sim.PSH != 0,
		}
		if loopback && from.win == 64240 {
			t.Window = loMSSBytes
		}
		if t.SYN {
			t.Options = []layers.TCPOption{{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{byte(mss >> 8), byte(mss)}}}
		}
		ip := w.ip(from, e, layers.IPProtocolTCP)
		if err := t.SetNetworkLayerForChecksum(ip); err != nil {
			return err
		}
		if err := w.frame(ts, eth, ip, t, gopacket.Payload(payload[off:off+n])); err != nil {
			return err
		}
		off += n
		if last {
			return nil
		}
	}
}

// udp writes a datagram, in IP fragments when it is longer than the MTU
// allows (Linux fragments a UDP datagram larger than the path MTU).
func (w *Writer) udp(ts time.Time, eth *layers.Ethernet, from *hostInfo, e *sim.Event, payload []byte, loopback bool) error {
	ip := w.ip(from, e, layers.IPProtocolUDP)
	u := &layers.UDP{SrcPort: layers.UDPPort(e.Src.Port()), DstPort: layers.UDPPort(e.Dst.Port())}
	if err := u.SetNetworkLayerForChecksum(ip); err != nil {
		return err
	}
	if loopback || 8+len(payload) <= ethMTUBytes-20 {
		return w.frame(ts, eth, ip, u, gopacket.Payload(payload))
	}
	// The UDP header and data, checksummed whole, then cut into fragments
	// of 1480 bytes (a multiple of 8) behind their own IP headers.
	dgram := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(dgram, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, u, gopacket.Payload(payload)); err != nil {
		return err
	}
	body := dgram.Bytes()
	const fragBytes = ethMTUBytes - 20
	for off := 0; off < len(body); off += fragBytes {
		end := min(off+fragBytes, len(body))
		frag := *ip
		frag.Flags, frag.FragOffset = 0, uint16(off/8)
		if end < len(body) {
			frag.Flags = layers.IPv4MoreFragments
		}
		if err := w.frame(ts, eth, &frag, gopacket.Payload(body[off:end])); err != nil {
			return err
		}
	}
	return nil
}

// arp writes the question a host asks before it can send to an address
// on its network: who has it? Nobody answers, and the letter never
// leaves; its connect() fails with EHOSTUNREACH.
func (w *Writer) arp(ts time.Time, from *hostInfo, e *sim.Event) error {
	eth := &layers.Ethernet{SrcMAC: from.mac, DstMAC: net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, EthernetType: layers.EthernetTypeARP}
	a := &layers.ARP{
		AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
		Operation: layers.ARPRequest, SourceHwAddress: from.mac, SourceProtAddress: e.Src.Addr().AsSlice(),
		DstHwAddress: make([]byte, 6), DstProtAddress: e.Dst.Addr().AsSlice(),
	}
	return w.frame(ts, eth, a)
}

// frame serializes layers into one frame and writes it.
func (w *Writer) frame(ts time.Time, ls ...gopacket.SerializableLayer) error {
	if err := gopacket.SerializeLayers(w.buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		return fmt.Errorf("pcap: %w", err)
	}
	data := w.buf.Bytes()
	if w.Limit > 0 && w.written+16+int64(len(data)) > w.Limit {
		return ErrTooLarge
	}
	w.frames++
	return w.file.WritePacket(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(data), Length: len(data)}, data)
}

// Capture runs a scenario with opt and writes its letters to out as a
// pcap file; opt.OnEvent, if set, still sees every event. limit, when
// positive, bounds the file's size (ErrTooLarge).
func Capture(out io.Writer, sc *scenario.Scenario, opt scenario.Options, limit int64) error {
	w, err := NewWriter(out)
	if err != nil {
		return err
	}
	w.Limit = limit
	var werr error
	next := opt.OnEvent
	opt.OnEvent = func(e *sim.Event) {
		if next != nil {
			next(e)
		}
		if werr == nil {
			werr = w.Event(e)
		}
	}
	if _, err := sc.Run(opt); err != nil {
		return err
	}
	if werr != nil {
		return werr
	}
	return w.Flush()
}
