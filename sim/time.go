package sim

import "strconv"

// Time is a point in virtual time, in microseconds since the world started.
// It is an integer so that ordering is exact and identical on every machine.
type Time int64

// Units of virtual time.
const (
	Microsecond Time = 1
	Millisecond Time = 1000 * Microsecond
	Second      Time = 1000 * Millisecond
)

// String formats t as seconds with up to six decimals, for example "1.5s" or
// "0.000120s", trimming trailing zeros.
func (t Time) String() string {
	neg := t < 0
	if neg {
		t = -t
	}
	s := strconv.FormatInt(int64(t/Second), 10)
	frac := int64(t % Second)
	if frac != 0 {
		f := strconv.FormatInt(frac+1000000, 10)[1:]
		for len(f) > 0 && f[len(f)-1] == '0' {
			f = f[:len(f)-1]
		}
		s += "." + f
	}
	if neg {
		s = "-" + s
	}
	return s + "s"
}
