package sim

import (
	"strconv"
	"strings"
)

// Letters on the wire. Most letters carry their bytes as they are: an HTTP
// request, an FTP command, a line typed into nc. A few protocols the town
// speaks are binary on a real network (DNS, TLS, QUIC, TFTP), and their
// letters carry a one-line description instead ("query A example.org (id
// 0x1a2b)", "TLS ClientHello (SNI example.org)"). Such a letter is marked
// with its Wire protocol, and its length is the size of the real message
// it describes, so that TCP sequence numbers count the bytes a real
// connection would carry. sim/pcap writes the real message into a capture
// file; the sizes below are the ones it writes, and a test there checks
// every letter of every lesson.
//
// A letter is recognised by its words alone, as the town's servers
// recognise it: a line in the form of a DNS query is a DNS query, whoever
// typed it.

// Wire names the protocol whose message a letter describes; WireNone means
// the letter's data is its bytes.
type Wire uint8

// Wire protocols.
const (
	WireNone Wire = iota
	WireDNS
	WireTLS
	WireQUIC
	WireTFTP
)

var wireNames = [...]string{"", "dns", "tls", "quic", "tftp"}

// String returns "dns", "tls", "quic", "tftp", or "" for WireNone.
func (w Wire) String() string {
	if int(w) < len(wireNames) {
		return wireNames[w]
	}
	return ""
}

// ParseWire parses a Wire name; "" is WireNone.
func ParseWire(s string) (Wire, bool) {
	for i, n := range wireNames {
		if n == s {
			return Wire(i), true
		}
	}
	return WireNone, false
}

// Wire sizes of the described messages, in bytes of TCP or UDP payload.
const (
	// TLSClientHelloBytes: a TLS 1.3 ClientHello padded to 512 bytes
	// (RFC 7685), as browsers send it, in its 5-byte record.
	TLSClientHelloBytes = 517
	// TLSServerFlightBytes: the server's ServerHello record (127 bytes),
	// a ChangeCipherSpec record (6) and one application data record
	// holding the encrypted EncryptedExtensions, Certificate,
	// CertificateVerify and Finished (5 + 1062).
	TLSServerFlightBytes = 1200
	// TLSClientFinishedBytes: ChangeCipherSpec (6) and the encrypted
	// Finished (5 + 32 + 4 + 1 + 16).
	TLSClientFinishedBytes = 64
	// TLSRecordOverhead is what a record adds to the data it encrypts: a
	// 5-byte header, the inner content type and a 16-byte tag.
	TLSRecordOverhead = 22
	// TLSMaxRecordData is the most plaintext one record carries.
	TLSMaxRecordData = 16384
	// QUICInitialBytes: a client's Initial datagram, padded to 1200 bytes
	// (RFC 9000 section 14.1); the server's first flight (Initial and
	// Handshake packets in one datagram) is padded alike.
	QUICInitialBytes = 1200
	// QUICClientFinishedBytes: the client's Handshake packet with an ACK
	// and its Finished: a 26-byte long header, 44 bytes of frames and a
	// 16-byte tag.
	QUICClientFinishedBytes = 86
	// QUIC1RTTOverhead: a short header (1 + 8-byte connection ID + 1-byte
	// packet number), a STREAM frame header (1 + 1 + 2) and a 16-byte tag.
	QUIC1RTTOverhead = 30
	// TFTPMode is the transfer mode a read request names.
	TFTPMode = "octet"
)

// describe reports which protocol's message data describes, if any, and
// the message's size on the wire.
func describe(proto Proto, data string) (Wire, int) {
	if len(data) < 3 {
		return WireNone, len(data)
	}
	if n, ok := dnsWireSize(data); ok {
		if proto == TCP {
			n += 2 // DNS over TCP: a two-byte length before the message (RFC 1035 4.2.2)
		}
		return WireDNS, n
	}
	switch proto {
	case TCP:
		if n, ok := tlsWireSize(data); ok {
			return WireTLS, n
		}
	case UDP:
		if n, ok := quicWireSize(data); ok {
			return WireQUIC, n
		}
		if n, ok := tftpWireSize(data); ok {
			return WireTFTP, n
		}
	}
	return WireNone, len(data)
}

// DNSLetter is a DNS query or answer line taken apart.
type DNSLetter struct {
	Answer bool
	DNSAnswer
}

// ParseDNSLetter reads a query line (DNSQuery) or an answer line
// (ParseDNSAnswer) whose name DNS can carry.
func ParseDNSLetter(s string) (DNSLetter, bool) {
	if a, ok := ParseDNSAnswer(s); ok {
		return DNSLetter{Answer: true, DNSAnswer: a}, len(s) == len(firstLine(s)) && ValidDNSName(a.Name)
	}
	rest, ok := strings.CutPrefix(s, "query A ")
	if !ok || !strings.HasSuffix(rest, ")") {
		return DNSLetter{}, false
	}
	i := strings.LastIndex(rest, " (id 0x")
	if i < 0 {
		return DNSLetter{}, false
	}
	id, err := strconv.ParseUint(rest[i+len(" (id 0x"):len(rest)-1], 16, 16)
	if err != nil || !ValidDNSName(rest[:i]) {
		return DNSLetter{}, false
	}
	return DNSLetter{DNSAnswer: DNSAnswer{Name: rest[:i], ID: uint16(id)}}, true
}

// dnsWireSize is the size of a DNS message: the 12-byte header, the
// question (the name as labels, type and class), and an A record per
// address, its name a 2-byte pointer to the question's (RFC 1035 4.1.4).
// A truncated answer carries the question only, with the TC bit set.
func dnsWireSize(s string) (int, bool) {
	if !strings.HasPrefix(s, "query A ") && !strings.HasPrefix(s, "answer A ") {
		return 0, false
	}
	l, ok := ParseDNSLetter(s)
	if !ok {
		return 0, false
	}
	return DNSMessageSize(l.Name, len(l.Addrs)), true
}

// TLSLetter is a TLS letter taken apart: its stage, the site it names
// (ClientHello and server flight), and the size of the data it encrypts.
type TLSLetter struct {
	Stage string // "ClientHello", "ServerHello", "Finished", "data"
	Name  string
	Data  int
}

// ParseTLSLetter reads one of the lines sim/tls.go sends over TCP.
func ParseTLSLetter(s string) (TLSLetter, bool) {
	if s == "TLS Finished" {
		return TLSLetter{Stage: "Finished"}, true
	}
	if name, ok := between(s, "TLS ClientHello (SNI ", ")"); ok {
		return TLSLetter{Stage: "ClientHello", Name: name}, true
	}
	if name, ok := between(s, "TLS ServerHello, Certificate (", "), Finished"); ok {
		return TLSLetter{Stage: "ServerHello", Name: name}, true
	}
	if size, ok := between(s, "TLS application data, ", " bytes (encrypted)"); ok {
		n, ok := sizeWord(size)
		return TLSLetter{Stage: "data", Data: n}, ok
	}
	return TLSLetter{}, false
}

// between returns what s holds between prefix and suffix.
func between(s, prefix, suffix string) (string, bool) {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return "", false
	}
	return strings.CutSuffix(rest, suffix)
}

// TLSDataBytes is the size of n bytes of data in TLS records of at most
// TLSMaxRecordData bytes each.
func TLSDataBytes(n int) int {
	records := max(1, (n+TLSMaxRecordData-1)/TLSMaxRecordData)
	return n + records*TLSRecordOverhead
}

func tlsWireSize(s string) (int, bool) {
	if !strings.HasPrefix(s, "TLS ") {
		return 0, false
	}
	l, ok := ParseTLSLetter(s)
	if !ok {
		return 0, false
	}
	switch l.Stage {
	case "ClientHello":
		return TLSClientHelloBytes, true
	case "ServerHello":
		return TLSServerFlightBytes, true
	case "Finished":
		return TLSClientFinishedBytes, true
	}
	return TLSDataBytes(l.Data), true
}

// QUICLetter is a QUIC letter taken apart.
type QUICLetter struct {
	Stage      string // "Initial", "ServerHandshake", "Finished", "1-RTT"
	DCID, SCID string // 16 hex digits each, where the letter names them
	Name       string // the site, in the ClientHello and the server's flight
	Data       int    // 1-RTT: the size of the data it encrypts
}

// ParseQUICLetter reads one of the lines sim/tls.go sends over UDP.
func ParseQUICLetter(s string) (QUICLetter, bool) {
	f := strings.Split(s, ", ")
	switch {
	case len(f) == 3 && f[0] == "QUIC Initial":
		scid, ok1 := strings.CutPrefix(f[1], "SCID ")
		name, ok2 := between(f[2], "ClientHello (SNI ", ")")
		if !ok1 || !ok2 || !isCID(scid) {
			return QUICLetter{}, false
		}
		return QUICLetter{Stage: "Initial", SCID: scid, Name: name}, true
	case len(f) == 6 && f[0] == "QUIC Handshake" && f[3] == "ServerHello" && f[5] == "Finished":
		dcid, ok1 := strings.CutPrefix(f[1], "DCID ")
		scid, ok2 := strings.CutPrefix(f[2], "SCID ")
		name, ok3 := between(f[4], "Certificate (", ")")
		if !ok1 || !ok2 || !ok3 || !isCID(dcid) || !isCID(scid) {
			return QUICLetter{}, false
		}
		return QUICLetter{Stage: "ServerHandshake", DCID: dcid, SCID: scid, Name: name}, true
	case len(f) == 3 && f[0] == "QUIC Handshake" && f[2] == "Finished":
		dcid, ok := strings.CutPrefix(f[1], "DCID ")
		if !ok || !isCID(dcid) {
			return QUICLetter{}, false
		}
		return QUICLetter{Stage: "Finished", DCID: dcid}, true
	case len(f) == 3 && f[0] == "QUIC 1-RTT":
		dcid, ok1 := strings.CutPrefix(f[1], "DCID ")
		size, ok2 := strings.CutSuffix(f[2], " bytes (encrypted HTTP/3)")
		n, ok3 := sizeWord(size)
		if !ok1 || !ok2 || !ok3 || !isCID(dcid) || n >= 1<<14 {
			return QUICLetter{}, false
		}
		return QUICLetter{Stage: "1-RTT", DCID: dcid, Data: n}, true
	}
	return QUICLetter{}, false
}

func quicWireSize(s string) (int, bool) {
	if !strings.HasPrefix(s, "QUIC ") {
		return 0, false
	}
	l, ok := ParseQUICLetter(s)
	if !ok {
		return 0, false
	}
	switch l.Stage {
	case "Initial", "ServerHandshake":
		return QUICInitialBytes, true
	case "Finished":
		return QUICClientFinishedBytes, true
	}
	return l.Data + QUIC1RTTOverhead, true
}

// isCID reports whether s is a connection ID as sim/tls.go writes one:
// 16 lowercase hex digits.
func isCID(s string) bool {
	if len(s) != 16 {
		return false
	}
	for i := range len(s) {
		if c := s[i]; !isDigit(c) && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// sizeWord parses a byte count of at most maxDataBytes.
func sizeWord(s string) (int, bool) {
	if s == "" || len(s) > 6 || s[0] == '0' && len(s) > 1 {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > maxDataBytes {
		return 0, false
	}
	return n, true
}

// TFTPLetter is a TFTP letter taken apart (RFC 1350): a read request, a
// data block, an acknowledgement or an error.
type TFTPLetter struct {
	Op    string // "RRQ", "DATA", "ACK", "ERROR"
	File  string // RRQ, DATA: the file
	Block int    // DATA, ACK
	Size  int    // DATA: the bytes of the block
	Code  int    // ERROR
	Msg   string // ERROR
}

// ParseTFTPLetter reads one of the lines the town's TFTP server and its
// clients send.
func ParseTFTPLetter(s string) (TFTPLetter, bool) {
	word, rest, _ := strings.Cut(s, " ")
	switch word {
	case "RRQ":
		if rest == "" || len(rest) > 255 || strings.ContainsAny(rest, "\x00\r\n") {
			return TFTPLetter{}, false
		}
		return TFTPLetter{Op: "RRQ", File: rest}, true
	case "ACK":
		b, ok := strings.CutPrefix(rest, "block ")
		n, ok2 := blockWord(b)
		return TFTPLetter{Op: "ACK", Block: n}, ok && ok2
	case "DATA":
		b, ok := strings.CutPrefix(rest, "block ")
		num, desc, ok2 := strings.Cut(b, ": ")
		n, ok3 := blockWord(num)
		i := strings.LastIndex(desc, " (")
		if !ok || !ok2 || !ok3 || i <= 0 || !strings.HasSuffix(desc, ")") {
			return TFTPLetter{}, false
		}
		size, _, _ := strings.Cut(desc[i+2:len(desc)-1], " bytes")
		sz, ok4 := sizeWord(size)
		if !ok4 || sz > 512 || strings.ContainsAny(desc[:i], "\x00\r\n") {
			return TFTPLetter{}, false
		}
		return TFTPLetter{Op: "DATA", File: desc[:i], Block: n, Size: sz}, true
	case "ERROR":
		num, msg, _ := strings.Cut(rest, " ")
		code, err := strconv.Atoi(num)
		if err != nil || code < 0 || code > 7 || len(num) != 1 || strings.ContainsAny(msg, "\x00\r\n") {
			return TFTPLetter{}, false
		}
		return TFTPLetter{Op: "ERROR", Code: code, Msg: msg}, true
	}
	return TFTPLetter{}, false
}

func blockWord(s string) (int, bool) {
	if s == "" || len(s) > 5 || s[0] == '0' {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n <= 65535
}

func tftpWireSize(s string) (int, bool) {
	l, ok := ParseTFTPLetter(s)
	if !ok {
		return 0, false
	}
	switch l.Op {
	case "RRQ":
		return 2 + len(l.File) + 1 + len(TFTPMode) + 1, true
	case "DATA":
		return 4 + l.Size, true
	case "ACK":
		return 4, true
	}
	return 4 + len(l.Msg) + 1, true
}
