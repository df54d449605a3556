package pcap

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"

	"portville/sim"
)

// TLS 1.3 (RFC 8446) as a capture shows it: the ClientHello and
// ServerHello in clear, everything after them in encrypted application
// data records. Wireshark reads the hellos (the site's name, the cipher
// suite, the version) and shows the rest as "Application Data", as it does
// for a real connection whose keys it does not have.

// TLS record content types and handshake message types.
const (
	tlsChangeCipherSpec = 20
	tlsHandshake        = 22
	tlsApplicationData  = 23
	tlsClientHello      = 1
	tlsServerHello      = 2
)

// TLS extension types (IANA TLS ExtensionType Values).
const (
	extServerName          = 0
	extSupportedGroups     = 10
	extSignatureAlgorithms = 13
	extALPN                = 16
	extPadding             = 21
	extSupportedVersions   = 43
	extKeyShare            = 51
	extQUICTransportParams = 57
)

const (
	tls13         = 0x0304
	groupX25519   = 0x001d
	suiteAES128   = 0x1301 // TLS_AES_128_GCM_SHA256
	tlsRandomLen  = 32
	x25519KeyLen  = 32
	sessionIDLen  = 32
	helloPadTo    = 512 // the ClientHello's size with its padding, as browsers pad it (RFC 7685)
	finishedLen   = 32  // a SHA-256 Finished's verify_data
	aeadTagLen    = 16
	serverSecrets = sim.TLSServerFlightBytes - 127 - 6 - 5 // the encrypted part of the server's flight
)

// tlsRecords builds the records a TLS line describes.
func (w *Writer) tlsRecords(e *sim.Event, r *rand.ChaCha8) ([]byte, error) {
	l, ok := sim.ParseTLSLetter(e.Payload)
	if !ok {
		return nil, errors.New("not a TLS line")
	}
	switch l.Stage {
	case "ClientHello":
		sid := randBytes(r, sessionIDLen)
		w.tls[[2]netip.AddrPort{e.Src, e.Dst}] = sid
		hello := clientHello(r, l.Name, sid, "http/1.1", nil, helloPadTo)
		return record(tlsHandshake, 0x0301, hello), nil
	case "ServerHello":
		sid, ok := w.tls[[2]netip.AddrPort{e.Dst, e.Src}]
		if !ok {
			sid = randBytes(r, sessionIDLen)
		}
		b := record(tlsHandshake, 0x0303, serverHello(r, sid))
		b = append(b, changeCipherSpec()...)
		return append(b, record(tlsApplicationData, 0x0303, randBytes(r, serverSecrets))...), nil
	case "Finished":
		b := changeCipherSpec()
		return append(b, record(tlsApplicationData, 0x0303, randBytes(r, 4+finishedLen+1+aeadTagLen))...), nil
	case "data":
		var b []byte
		n := l.Data
		for first := true; first || n > 0; first = false {
			chunk := min(n, sim.TLSMaxRecordData)
			b = append(b, record(tlsApplicationData, 0x0303, randBytes(r, chunk+1+aeadTagLen))...)
			n -= chunk
		}
		return b, nil
	}
	return nil, fmt.Errorf("TLS stage %q", l.Stage)
}

// record wraps a fragment in a TLS record header.
func record(typ byte, version uint16, fragment []byte) []byte {
	b := make([]byte, 0, 5+len(fragment))
	b = append(b, typ, byte(version>>8), byte(version))
	b = be16(b, len(fragment))
	return append(b, fragment...)
}

func changeCipherSpec() []byte { return record(tlsChangeCipherSpec, 0x0303, []byte{1}) }

// clientHello builds a TLS 1.3 ClientHello handshake message offering one
// cipher suite and X25519, naming the site (when it is a name DNS can
// carry) and the application protocol. quicParams, when set, is the QUIC
// transport parameters extension's body. padTo, when positive, pads the
// message to that size with the padding extension.
func clientHello(r *rand.ChaCha8, site string, sid []byte, alpn string, quicParams []byte, padTo int) []byte {
	var ext []byte
	if sim.ValidDNSName(site) {
		name := be16([]byte{0}, len(site))
		name = append(name, site...)
		ext = extension(ext, extServerName, be16(nil, len(name), name...))
	}
	ext = extension(ext, extSupportedGroups, be16(nil, 2, 0x00, 0x1d))
	ext = extension(ext, extSignatureAlgorithms, be16(nil, 6, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01))
	ext = extension(ext, extSupportedVersions, []byte{2, 0x03, 0x04})
	share := be16(nil, groupX25519)
	share = be16(share, x25519KeyLen, randBytes(r, x25519KeyLen)...)
	ext = extension(ext, extKeyShare, be16(nil, len(share), share...))
	proto := append([]byte{byte(len(alpn))}, alpn...)
	ext = extension(ext, extALPN, be16(nil, len(proto), proto...))
	if quicParams != nil {
		ext = extension(ext, extQUICTransportParams, quicParams)
	}
	body := []byte{0x03, 0x03}
	body = append(body, randBytes(r, tlsRandomLen)...)
	body = append(body, byte(len(sid)))
	body = append(body, sid...)
	body = be16(body, 6, 0x13, 0x01, 0x13, 0x02, 0x13, 0x03)
	body = append(body, 1, 0) // compression: null only
	if padTo > 0 {
		// 4 bytes of handshake header, 2 of extensions' length, 4 of the
		// padding extension's header.
		pad := padTo - 4 - len(body) - 2 - len(ext) - 4
		ext = extension(ext, extPadding, make([]byte, max(pad, 0)))
	}
	body = be16(body, len(ext), ext...)
	return handshake(tlsClientHello, body)
}

// serverHello builds a TLS 1.3 ServerHello choosing TLS_AES_128_GCM_SHA256
// and X25519, echoing the client's session ID.
func serverHello(r *rand.ChaCha8, sid []byte) []byte {
	var ext []byte
	ext = extension(ext, extSupportedVersions, []byte{0x03, 0x04})
	share := be16(nil, groupX25519)
	share = be16(share, x25519KeyLen, randBytes(r, x25519KeyLen)...)
	ext = extension(ext, extKeyShare, share)
	body := []byte{0x03, 0x03}
	body = append(body, randBytes(r, tlsRandomLen)...)
	body = append(body, byte(len(sid)))
	body = append(body, sid...)
	body = be16(body, suiteAES128)
	body = append(body, 0)
	body = be16(body, len(ext), ext...)
	return handshake(tlsServerHello, body)
}

func handshake(typ byte, body []byte) []byte {
	b := []byte{typ, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}
	return append(b, body...)
}

func extension(b []byte, typ int, body []byte) []byte {
	b = be16(b, typ)
	return be16(b, len(body), body...)
}

// be16 appends v as two bytes, big-endian, then rest.
func be16(b []byte, v int, rest ...byte) []byte {
	b = append(b, byte(v>>8), byte(v))
	return append(b, rest...)
}
