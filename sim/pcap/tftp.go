package pcap

import (
	"encoding/binary"
	"errors"
	"fmt"

	"portville/sim"
)

// TFTP opcodes (RFC 1350 section 5).
const (
	tftpRRQ   = 1
	tftpDATA  = 3
	tftpACK   = 4
	tftpERROR = 5
)

// tftpPacket builds the TFTP packet a line describes. The simulation does
// not keep a file's contents, so a data block carries lines that name the
// file and the block, as long as the block is.
func tftpPacket(e *sim.Event) ([]byte, error) {
	l, ok := sim.ParseTFTPLetter(e.Payload)
	if !ok {
		return nil, errors.New("not a TFTP line")
	}
	b := make([]byte, 4, 4+max(l.Size, len(l.File)+len(sim.TFTPMode)+2, len(l.Msg)+1))
	switch l.Op {
	case "RRQ":
		binary.BigEndian.PutUint16(b, tftpRRQ)
		b = append(b[:2], l.File...)
		b = append(b, 0)
		b = append(b, sim.TFTPMode...)
		b = append(b, 0)
	case "DATA":
		binary.BigEndian.PutUint16(b, tftpDATA)
		binary.BigEndian.PutUint16(b[2:], uint16(l.Block))
		line := fmt.Sprintf("%s, block %d (the simulation keeps no file contents)\n", l.File, l.Block)
		for len(b) < 4+l.Size {
			b = append(b, line[:min(len(line), 4+l.Size-len(b))]...)
		}
	case "ACK":
		binary.BigEndian.PutUint16(b, tftpACK)
		binary.BigEndian.PutUint16(b[2:], uint16(l.Block))
	case "ERROR":
		binary.BigEndian.PutUint16(b, tftpERROR)
		binary.BigEndian.PutUint16(b[2:], uint16(l.Code))
		b = append(b, l.Msg...)
		b = append(b, 0)
	}
	return b, nil
}
