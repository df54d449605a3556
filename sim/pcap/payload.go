package pcap

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"

	"portville/sim"
)

// payload returns the bytes a letter carries on the wire: its data, or for
// a letter that describes a binary protocol's message (e.Wire), that
// message, exactly as long as the simulation counted it (e.Len). A length
// that does not match is a bug in the simulator or here, and an error.
func (w *Writer) payload(e *sim.Event) ([]byte, error) {
	if e.Wire == sim.WireNone {
		if len(e.Payload) != e.Len {
			return nil, fmt.Errorf("pcap: letter %d: the event has %d of its %d bytes (fill Payload)", e.Packet, len(e.Payload), e.Len)
		}
		return []byte(e.Payload), nil
	}
	var (
		b   []byte
		err error
	)
	r := letterRand(e)
	switch e.Wire {
	case sim.WireDNS:
		b, err = dnsMessage(e)
	case sim.WireTLS:
		b, err = w.tlsRecords(e, r)
	case sim.WireQUIC:
		b, err = w.quicDatagram(e, r)
	case sim.WireTFTP:
		b, err = tftpPacket(e)
	default:
		err = fmt.Errorf("unknown wire protocol %d", e.Wire)
	}
	if err != nil {
		return nil, fmt.Errorf("pcap: letter %d (%q): %w", e.Packet, e.Payload, err)
	}
	if len(b) != e.Len {
		return nil, fmt.Errorf("pcap: letter %d (%q): %s message of %d bytes, the simulation counted %d", e.Packet, e.Payload, e.Wire, len(b), e.Len)
	}
	return b, nil
}

// letterRand is the generator for a letter's random-looking bytes (TLS
// randoms, keys, ciphertext): seeded by what identifies the letter, so a
// run gives the same capture every time and two letters never share
// bytes.
func letterRand(e *sim.Event) *rand.ChaCha8 {
	h := sha256.New()
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(e.Packet))
	binary.BigEndian.PutUint32(b[8:12], e.TCPSeq)
	binary.BigEndian.PutUint32(b[12:], e.TCPAck)
	h.Write(b[:])
	h.Write([]byte(e.Src.String() + ">" + e.Dst.String() + ":" + e.Payload))
	var seed [32]byte
	copy(seed[:], h.Sum(nil))
	return rand.NewChaCha8(seed)
}

// randBytes returns n bytes from r.
func randBytes(r *rand.ChaCha8, n int) []byte {
	b := make([]byte, n)
	r.Read(b)
	return b
}
