package pcap

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"

	"portville/sim"
)

// QUIC version 1 (RFC 9000) as a capture shows it. Initial packets are
// protected with keys anyone can derive from the client's first
// destination connection ID (RFC 9001 section 5.2), so they are protected
// here for real, and Wireshark decrypts them: it shows the ClientHello
// with the site's name inside the first packet, as with a real browser.
// Handshake and 1-RTT packets are protected with keys from the TLS
// handshake, which a capture never has; their payloads are random bytes
// of the right length.

// quicV1Salt is the initial salt of QUIC version 1 (RFC 9001 section 5.2).
var quicV1Salt = []byte{0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a}

const (
	quicVersion1   = 0x00000001
	quicCIDLen     = 8
	quicFramePad   = 0x00
	quicFrameACK   = 0x02
	quicFrameCrypt = 0x06
	// quicLongHeaderLen is a long header with 8-byte connection IDs, a
	// two-byte Length and a one-byte packet number; an Initial adds a
	// one-byte (empty) token length.
	quicLongHeaderLen = 1 + 4 + 1 + quicCIDLen + 1 + quicCIDLen + 2 + 1
)

// quicDatagram builds the datagram a QUIC line describes.
func (w *Writer) quicDatagram(e *sim.Event, r *rand.ChaCha8) ([]byte, error) {
	l, ok := sim.ParseQUICLetter(e.Payload)
	if !ok {
		return nil, errors.New("not a QUIC line")
	}
	switch l.Stage {
	case "Initial":
		// The client's first packet goes to a destination connection ID
		// it makes up (the server replaces it); the simulation does not
		// name one, so it comes from the client's own ID.
		scid := cid(l.SCID)
		odcid := originalDCID(scid)
		params := []byte{0x0f, quicCIDLen} // initial_source_connection_id
		params = append(params, scid...)
		hello := clientHello(r, l.Name, nil, "h3", params, 0)
		frames := cryptoFrame(hello)
		hdr := quicLongHeader(0, odcid, scid, true)
		pad := sim.QUICInitialBytes - len(hdr) - len(frames) - aeadTagLen
		if pad < 0 {
			return nil, fmt.Errorf("the ClientHello (%d bytes) does not fit an Initial", len(hello))
		}
		frames = append(frames, make([]byte, pad)...)
		return protectInitial(hdr, frames, odcid, "client in")
	case "ServerHandshake":
		client, server := cid(l.DCID), cid(l.SCID)
		w.quic[l.SCID] = l.DCID
		frames := []byte{quicFrameACK, 0, 0, 0, 0} // acknowledges the client's packet 0
		frames = append(frames, cryptoFrame(serverHello(r, nil))...)
		initial, err := protectInitial(quicLongHeader(0, client, server, true), frames, originalDCID(client), "server in")
		if err != nil {
			return nil, err
		}
		hs := quicLongHeader(2, client, server, false)
		return append(initial, sealed(r, hs, sim.QUICInitialBytes-len(initial)-len(hs))...), nil
	case "Finished":
		server := cid(l.DCID)
		client := cid(w.quic[l.DCID])
		if w.quic[l.DCID] == "" {
			client = randBytes(r, quicCIDLen)
		}
		hs := quicLongHeader(2, server, client, false)
		return sealed(r, hs, sim.QUICClientFinishedBytes-len(hs)), nil
	case "1-RTT":
		// A short header: fixed bit, then bits a capture cannot read (the
		// key phase and packet number length are header-protected).
		hdr := []byte{0x40 | byte(r.Uint64()&0x3f)}
		hdr = append(hdr, cid(l.DCID)...)
		return append(hdr, randBytes(r, 1+l.Data+sim.QUIC1RTTOverhead-2-quicCIDLen)...), nil
	}
	return nil, fmt.Errorf("QUIC stage %q", l.Stage)
}

// cid decodes a connection ID the simulation wrote in hex.
func cid(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != quicCIDLen {
		return make([]byte, quicCIDLen)
	}
	return b
}

// originalDCID is the destination connection ID of a client's first
// Initial, made from its source connection ID.
func originalDCID(scid []byte) []byte {
	sum := sha256.Sum256(append([]byte("portville quic dcid "), scid...))
	return sum[:quicCIDLen]
}

// cryptoFrame carries a TLS handshake message at offset 0.
func cryptoFrame(msg []byte) []byte {
	b := []byte{quicFrameCrypt, 0}
	b = be16(b, 0x4000|len(msg)) // a two-byte variable-length integer
	return append(b, msg...)
}

// quicLongHeader is a long header with a one-byte packet number (0),
// its Length field still to fill in. typ is 0 for Initial, 2 for
// Handshake.
func quicLongHeader(typ byte, dcid, scid []byte, initial bool) []byte {
	b := []byte{0xc0 | typ<<4, 0, 0, 0, quicVersion1, quicCIDLen}
	b = append(b, dcid...)
	b = append(b, quicCIDLen)
	b = append(b, scid...)
	if initial {
		b = append(b, 0) // no token
	}
	return append(b, 0x40, 0, 0) // Length (two bytes), packet number 0
}

// setLength fills in a long header's Length: the packet number and the
// payload with its tag.
func setLength(hdr []byte, payload int) {
	n := 1 + payload
	hdr[len(hdr)-3], hdr[len(hdr)-2] = 0x40|byte(n>>8), byte(n)
}

// sealed is a Handshake packet whose protected payload (n bytes, tag
// included) is random: its keys come from the TLS handshake.
func sealed(r *rand.ChaCha8, hdr []byte, n int) []byte {
	setLength(hdr, n)
	hdr[0] |= byte(r.Uint64() & 0x0f) // header-protected bits
	return append(hdr, randBytes(r, n)...)
}

// protectInitial encrypts an Initial packet's frames and protects its
// header, with the keys RFC 9001 section 5 derives from odcid.
func protectInitial(hdr, frames, odcid []byte, label string) ([]byte, error) {
	initial, err := hkdf.Extract(sha256.New, odcid, quicV1Salt)
	if err != nil {
		return nil, err
	}
	secret, err := expandLabel(initial, label, 32)
	if err != nil {
		return nil, err
	}
	key, err1 := expandLabel(secret, "quic key", 16)
	iv, err2 := expandLabel(secret, "quic iv", 12)
	hp, err3 := expandLabel(secret, "quic hp", 16)
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, err
	}
	setLength(hdr, len(frames)+aeadTagLen)
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	// Packet number 0: the nonce is the IV itself.
	pkt := aead.Seal(append([]byte(nil), hdr...), iv, frames, hdr)
	// Header protection: a mask from a sample of the ciphertext, 4 bytes
	// after the start of the packet number.
	pnOff := len(hdr) - 1
	hpBlock, err := aes.NewCipher(hp)
	if err != nil {
		return nil, err
	}
	var mask [16]byte
	hpBlock.Encrypt(mask[:], pkt[pnOff+4:pnOff+4+16])
	pkt[0] ^= mask[0] & 0x0f
	pkt[pnOff] ^= mask[1]
	return pkt, nil
}

// expandLabel is TLS 1.3's HKDF-Expand-Label with an empty context.
func expandLabel(secret []byte, label string, n int) ([]byte, error) {
	full := "tls13 " + label
	info := be16(nil, n)
	info = append(info, byte(len(full)))
	info = append(info, full...)
	info = append(info, 0)
	return hkdf.Expand(sha256.New, secret, string(info), n)
}
