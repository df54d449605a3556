package sim

import "fmt"

// Profile describes how one operating system hands out ephemeral ports and
// how long it keeps a closed connection in TIME_WAIT. The figures come from
// DOMAIN.md section 3; docs/os-profiles.md says which are measured and which
// are documented approximations.
type Profile struct {
	_       noCompare
	Name    string // "linux", "windows", "macos", "freebsd"
	Title   string // shown in the OS badge
	RangeLo uint16 // default ephemeral range, inclusive
	RangeHi uint16
	// TimeWait is how long the active closer keeps the connection's 4-tuple.
	TimeWait Time
	// PrivilegedBelow: binding a port below this number needs root (EACCES
	// otherwise). 0 means there are no privileged ports.
	PrivilegedBelow uint16
	// Verified tells whether the port choice was checked against source or
	// measurement (true) or is a documented approximation (false).
	Verified bool
	algo     portAlgo
}

type portAlgo uint8

const (
	// algoLinux: RFC 6056 algorithm 4 on connect, odd random ports on
	// bind(0), random UDP auto-bind (net/ipv4/inet_hashtables.c,
	// inet_connection_sock.c, udp.c).
	algoLinux portAlgo = iota
	// algoSequential: one pool, next port after the last one handed out,
	// starting from a random point (the Windows model, unverified).
	algoSequential
	// algoXNU: TCP sequential (net.inet.tcp.randomize_ports=0), UDP random
	// start then linear search (net.inet.udp.randomize_ports=1).
	algoXNU
	// algoRandomLinear: random start, linear search upwards (FreeBSD, RFC
	// 6056 algorithm 1).
	algoRandomLinear
)

// The OS profiles.
var (
	Linux = &Profile{
		Name: "linux", Title: "Linux 6.x", RangeLo: 32768, RangeHi: 60999,
		TimeWait: 60 * Second, PrivilegedBelow: 1024, Verified: true, algo: algoLinux,
	}
	Windows = &Profile{
		Name: "windows", Title: "Windows 11", RangeLo: 49152, RangeHi: 65535,
		TimeWait: 120 * Second, PrivilegedBelow: 0, Verified: false, algo: algoSequential,
	}
	MacOS = &Profile{
		Name: "macos", Title: "macOS 15", RangeLo: 49152, RangeHi: 65535,
		TimeWait: 30 * Second, PrivilegedBelow: 0, Verified: true, algo: algoXNU,
	}
	FreeBSD = &Profile{
		Name: "freebsd", Title: "FreeBSD 14", RangeLo: 10000, RangeHi: 65535,
		TimeWait: 60 * Second, PrivilegedBelow: 1024, Verified: true, algo: algoRandomLinear,
	}
)

// Profiles lists the profiles in a fixed order.
var Profiles = []*Profile{Linux, Windows, MacOS, FreeBSD}

// ProfileByName returns the named profile.
func ProfileByName(name string) (*Profile, error) {
	for _, p := range Profiles {
		if p.Name == name {
			return p, nil
		}
	}
	return nil, fmt.Errorf("unknown OS profile %q (want linux, windows, macos or freebsd)", name)
}

// linuxPerturbSize is INET_TABLE_PERTURB_SIZE in net/ipv4/inet_hashtables.c.
const linuxPerturbSize = 1 << 16

// linuxSecretPeriod is how often Linux re-salts the secret behind the
// per-destination port offset (DOMAIN.md section 3: every 10 s).
const linuxSecretPeriod = 10 * Second

// mix64 is the SplitMix64 finaliser: a cheap, well-distributed 64-bit hash.
// The simulator uses it where the kernel uses siphash with a boot secret;
// what matters for teaching is the shape (deterministic per destination,
// unpredictable across destinations), not the exact function.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// linuxPortOffset is secure_ipv4_port_ephemeral(saddr, daddr, dport): a
// keyed hash of the destination and source address, re-salted every 10 s.
func (h *Host) linuxPortOffset(src, dst [4]byte, dport uint16, now Time) uint64 {
	epoch := uint64(now / linuxSecretPeriod)
	x := mix64(h.secret ^ mix64(epoch))
	x = mix64(x ^ uint64(src[0])<<24 ^ uint64(src[1])<<16 ^ uint64(src[2])<<8 ^ uint64(src[3]))
	x = mix64(x ^ uint64(dst[0])<<24 ^ uint64(dst[1])<<16 ^ uint64(dst[2])<<8 ^ uint64(dst[3]))
	return mix64(x ^ uint64(dport))
}

// linuxPerturb returns table_perturb[index]. The kernel fills the table with
// random bytes once; the simulator derives each slot from the host's secret
// the first time it is read, so untouched slots cost no memory.
func (h *Host) linuxPerturb(index uint32) uint32 {
	if v, ok := h.perturb[index]; ok {
		return v
	}
	return uint32(mix64(h.secret ^ 0x7065727475726221 ^ uint64(index)))
}

// noCompare, as a struct's first field, makes the struct not comparable,
// so that the compiler generates no equality function for it: each is
// hundreds of bytes of the WebAssembly module, for types nothing
// compares.
type noCompare [0]func()
