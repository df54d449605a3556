package sim

import (
	"strings"
	"testing"
)

// TestDescribe: the letters that describe a binary protocol's message get
// that message's size on the wire; everything else is its own bytes.
func TestDescribe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		proto Proto
		data  string
		wire  Wire
		size  int
	}{
		{"a DNS query over UDP", UDP, "query A example.org (id 0xd23b)", WireDNS, 12 + 13 + 4},
		{"the same query over TCP has a length first", TCP, "query A example.org (id 0xd23b)", WireDNS, 2 + 12 + 13 + 4},
		{"an answer with two addresses", UDP, "answer A example.org 93.184.215.14, 93.184.215.15 (id 0x0001)", WireDNS, 12 + 13 + 4 + 2*16},
		{"NXDOMAIN has no records", UDP, "answer A nosuch NXDOMAIN (id 0x0002)", WireDNS, 12 + 8 + 4},
		{"a truncated answer carries its question", UDP, "answer A big.example (truncated: 40 records, 673 bytes, do not fit in 512; ask again over TCP) (id 0x0003)", WireDNS, 12 + 13 + 4},
		{"a query for a name DNS cannot carry is text", UDP, "query A Not_A_Name (id 0x0004)", WireNone, 30},
		{"a query with a bad id is text", UDP, "query A example.org (id 0xzz)", WireNone, 29},
		{"the old free-form question is text", UDP, "example.com A?", WireNone, 14},
		{"a ClientHello", TCP, "TLS ClientHello (SNI example.org)", WireTLS, TLSClientHelloBytes},
		{"the server's flight", TCP, "TLS ServerHello, Certificate (example.org), Finished", WireTLS, TLSServerFlightBytes},
		{"the client's Finished", TCP, "TLS Finished", WireTLS, TLSClientFinishedBytes},
		{"application data", TCP, "TLS application data, 14 bytes (encrypted)", WireTLS, 14 + 22},
		{"application data in two records", TCP, "TLS application data, 20000 bytes (encrypted)", WireTLS, 20000 + 2*22},
		{"a TLS line over UDP is text", UDP, "TLS Finished", WireNone, 12},
		{"application data with a size of 007 is text", TCP, "TLS application data, 007 bytes (encrypted)", WireNone, 43},
		{"a QUIC Initial", UDP, "QUIC Initial, SCID 5f3a9c01d2e4b687, ClientHello (SNI example.org)", WireQUIC, QUICInitialBytes},
		{"the QUIC server's flight", UDP, "QUIC Handshake, DCID 5f3a9c01d2e4b687, SCID 0c77e1a94b2d3f58, ServerHello, Certificate (example.org), Finished", WireQUIC, QUICInitialBytes},
		{"the QUIC client's Finished", UDP, "QUIC Handshake, DCID 0c77e1a94b2d3f58, Finished", WireQUIC, QUICClientFinishedBytes},
		{"a QUIC 1-RTT packet", UDP, "QUIC 1-RTT, DCID 0c77e1a94b2d3f58, 16 bytes (encrypted HTTP/3)", WireQUIC, 16 + QUIC1RTTOverhead},
		{"a QUIC line with a short connection ID is text", UDP, "QUIC Handshake, DCID 0c77, Finished", WireNone, 35},
		{"a QUIC line over TCP is text", TCP, "QUIC Handshake, DCID 0c77e1a94b2d3f58, Finished", WireNone, 47},
		{"a TFTP read request", UDP, "RRQ notes.txt", WireTFTP, 2 + 9 + 1 + 5 + 1},
		{"a TFTP data block", UDP, "DATA block 1: notes.txt (300 bytes, last block)", WireTFTP, 4 + 300},
		{"a TFTP acknowledgement", UDP, "ACK block 1", WireTFTP, 4},
		{"a TFTP error", UDP, "ERROR 4 Illegal TFTP operation", WireTFTP, 4 + 22 + 1},
		{"a TFTP block larger than 512 bytes is text", UDP, "DATA block 1: x (600 bytes)", WireNone, 27},
		{"ACK block 0 is text (blocks count from 1)", UDP, "ACK block 0", WireNone, 11},
		{"an HTTP request is its bytes", TCP, "GET / HTTP/1.1", WireNone, 14},
		{"nothing", TCP, "", WireNone, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			wire, size := describe(tc.proto, tc.data)
			if wire != tc.wire || size != tc.size {
				t.Errorf("describe(%s, %q) = %s, %d; want %s, %d", tc.proto, tc.data, wire, size, tc.wire, tc.size)
			}
		})
	}
}

// FuzzDescribe: any line is either its own bytes or a message whose parts
// parse back, and nothing panics.
func FuzzDescribe(f *testing.F) {
	for _, s := range []string{"query A a.b (id 0x1)", "TLS application data, 1 bytes (encrypted)", "DATA block 1: f (1 bytes)", "QUIC 1-RTT, DCID 0123456789abcdef, 1 bytes (encrypted HTTP/3)", "ERROR 1 x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, proto := range []Proto{TCP, UDP} {
			wire, size := describe(proto, s)
			if wire == WireNone && size != len(s) {
				t.Fatalf("text %q has size %d", s, size)
			}
			if wire != WireNone && (size <= 0 || size > maxDataBytes+8*TLSRecordOverhead) {
				t.Fatalf("%s message %q has size %d", wire, s, size)
			}
			if wire == WireDNS && !strings.Contains(s, "(id 0x") {
				t.Fatalf("DNS message %q has no id", s)
			}
		}
	})
}
