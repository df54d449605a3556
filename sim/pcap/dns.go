package pcap

import (
	"encoding/binary"
	"errors"

	"golang.org/x/net/dns/dnsmessage"

	"portville/sim"
)

// dnsTTLSeconds is the time to live of the answers' A records.
const dnsTTLSeconds = 300

// dnsMessage builds the DNS message a query or answer line describes
// (RFC 1035): a recursive query for the name's A records, or the answer
// with one A record per address, names compressed. A truncated answer
// has the TC bit and its question only; NXDOMAIN has rcode 3. Over TCP
// the message has its two-byte length in front (RFC 1035 4.2.2).
func dnsMessage(e *sim.Event) ([]byte, error) {
	l, ok := sim.ParseDNSLetter(e.Payload)
	if !ok {
		return nil, errors.New("not a DNS line")
	}
	name, err := dnsmessage.NewName(l.Name + ".")
	if err != nil {
		return nil, err
	}
	h := dnsmessage.Header{ID: l.ID, RecursionDesired: true}
	if l.Answer {
		h.Response, h.RecursionAvailable, h.Truncated = true, true, l.Truncated
		if l.NXDomain {
			h.RCode = dnsmessage.RCodeNameError
		}
	}
	buf := make([]byte, 2, 2+512)
	b := dnsmessage.NewBuilder(buf, h)
	b.EnableCompression()
	if err := b.StartQuestions(); err != nil {
		return nil, err
	}
	if err := b.Question(dnsmessage.Question{Name: name, Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET}); err != nil {
		return nil, err
	}
	if err := b.StartAnswers(); err != nil {
		return nil, err
	}
	for _, a := range l.Addrs {
		if !a.Is4() {
			return nil, errors.New("an A record needs an IPv4 address")
		}
		rh := dnsmessage.ResourceHeader{Name: name, Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET, TTL: dnsTTLSeconds}
		if err := b.AResource(rh, dnsmessage.AResource{A: a.As4()}); err != nil {
			return nil, err
		}
	}
	msg, err := b.Finish()
	if err != nil {
		return nil, err
	}
	if e.Proto == sim.TCP {
		binary.BigEndian.PutUint16(msg, uint16(len(msg)-2))
		return msg, nil
	}
	return msg[2:], nil
}
