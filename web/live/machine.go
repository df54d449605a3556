// Package live draws the machine Portville runs on as a town (portville
// serve --live, docs/live.md): its processes and their TCP and UDP
// sockets as one building, the other ends of its connections as
// buildings on the street. Read takes a look at the machine (gopsutil's
// net and process packages, which work on Linux, macOS and Windows); a
// Town turns successive looks into the snapshot and the events of the
// session protocol, so the view draws the machine with the same
// buildings, apartments, animations and inspector as a lesson.
//
// What it shows is private to the machine's user: the server serves it to
// loopback clients only (web/live.go), never to a class, and this package
// reads no command line and no environment of any process, only names,
// PIDs, parents, users and thread counts.
package live

import (
	"cmp"
	"context"
	"net"
	"net/netip"
	"os"
	"os/user"
	"runtime"
	"slices"
	"strconv"
	"strings"

	gnet "github.com/shirou/gopsutil/v4/net"
	"github.com/shirou/gopsutil/v4/process"

	"portville/sim"
)

// Bounds of one look at the machine.
const (
	// MaxSockets is the most sockets a look keeps: listeners first, then
	// the connections of the browser reading the page, then the rest by
	// state and port. Machine.More counts the others.
	MaxSockets = 100
	// maxAddrs is the most of the machine's own addresses its sign shows.
	maxAddrs = 4
)

// Machine is one look at the machine.
type Machine struct {
	Name  string
	Addrs []netip.Addr // the machine's own addresses, loopback first
	OS    string       // a Portville OS profile name, or runtime.GOOS
	Range [2]uint16    // the ephemeral port range
	// Sockets are at most MaxSockets of the machine's TCP and UDP
	// sockets; More is how many more it has.
	Sockets []Socket
	More    int
	Procs   map[int]Proc // the processes that hold the sockets, by PID
}

// Socket is one TCP or UDP socket.
type Socket struct {
	Proto  sim.Proto
	Local  netip.AddrPort
	Remote netip.AddrPort // invalid for a listener or an unconnected UDP socket
	State  string         // ss's states as the simulator names them: LISTEN, ESTABLISHED, TIME_WAIT, UNCONN...
	PID    int            // the process that holds it; 0 for one only the kernel holds (TIME_WAIT)
	FD     int
}

// Proc is a process that holds sockets.
type Proc struct {
	PID, PPID int
	Name      string
	User      string
	Threads   int
}

// Reader looks at the machine. It keeps what does not change while a
// process lives (its name, parent and user), so a refresh reads only the
// thread counts again.
type Reader struct {
	procs map[int]Proc
	users map[uint32]string
	// Prefer, when set, marks the sockets of the page's own connection;
	// they, and the other sockets of the process that holds them (the
	// browser reading the page), come first after the listeners.
	Prefer func(local, remote netip.AddrPort) bool
	// Max is the most sockets a look keeps (MaxSockets when 0).
	Max int
}

// NewReader returns a Reader.
func NewReader() *Reader {
	return &Reader{procs: map[int]Proc{}, users: map[uint32]string{}}
}

// Read takes one look at the machine.
func (r *Reader) Read(ctx context.Context) (*Machine, error) {
	conns, err := gnet.ConnectionsWithoutUidsWithContext(ctx, "inet")
	if err != nil {
		return nil, err
	}
	m := &Machine{OS: osName(), Procs: map[int]Proc{}}
	m.Name, _ = os.Hostname()
	m.Addrs = ownAddrs()
	m.Range = portRange(m.OS)
	socks := make([]Socket, 0, len(conns))
	for _, c := range conns {
		s, ok := socketOf(c)
		if ok {
			socks = append(socks, s)
		}
	}
	preferred := map[int]bool{}
	if r.Prefer != nil {
		for _, s := range socks {
			if s.PID != 0 && r.Prefer(s.Local, s.Remote) {
				preferred[s.PID] = true
			}
		}
	}
	slices.SortFunc(socks, func(a, b Socket) int { return r.order(a, b, preferred) })
	if limit := cmp.Or(r.Max, MaxSockets); len(socks) > limit {
		m.More = len(socks) - limit
		socks = socks[:limit]
	}
	m.Sockets = socks
	seen := map[int]bool{}
	for _, s := range socks {
		if s.PID == 0 || seen[s.PID] {
			continue
		}
		seen[s.PID] = true
		if p, ok := r.proc(ctx, s.PID); ok {
			m.Procs[s.PID] = p
		}
	}
	for pid := range r.procs {
		if !seen[pid] {
			delete(r.procs, pid) // gone, or holds no socket any more
		}
	}
	return m, nil
}

// order sorts sockets: listeners and bound UDP sockets, then the page's
// own connection, the other sockets of the process holding it, then
// ESTABLISHED, the other states and TIME_WAIT; then by protocol, port and
// address.
func (r *Reader) order(a, b Socket, preferred map[int]bool) int {
	rank := func(s Socket) int {
		switch {
		case s.State == "LISTEN" || s.State == "UNCONN":
			return 0
		case r.Prefer != nil && r.Prefer(s.Local, s.Remote):
			return 1
		case preferred[s.PID]:
			return 2
		case s.State == "ESTABLISHED":
			return 3
		case s.State == "TIME_WAIT":
			return 5
		}
		return 4
	}
	return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a.Proto, b.Proto),
		cmp.Compare(a.Local.Port(), b.Local.Port()), a.Local.Addr().Compare(b.Local.Addr()),
		a.Remote.Compare(b.Remote))
}

// socketOf turns gopsutil's connection into a Socket; ok is false for
// what the town does not draw (sockets being torn down).
func socketOf(c gnet.ConnectionStat) (Socket, bool) {
	s := Socket{PID: int(c.Pid), FD: int(c.Fd)}
	switch c.Type {
	case 1: // SOCK_STREAM
		s.Proto = sim.TCP
	case 2: // SOCK_DGRAM
		s.Proto = sim.UDP
	default:
		return s, false
	}
	var ok bool
	if s.Local, ok = addrPort(c.Laddr); !ok {
		return s, false
	}
	if r, ok := addrPort(c.Raddr); ok && r.Port() != 0 {
		s.Remote = r
	}
	switch {
	case s.Proto == sim.UDP && s.Remote.IsValid():
		s.State = "ESTABLISHED"
	case s.Proto == sim.UDP:
		s.State = "UNCONN"
	case c.Status == "CLOSE" || c.Status == "":
		return s, false
	case c.Status == "FIN_WAIT1":
		s.State = "FIN_WAIT_1"
	case c.Status == "FIN_WAIT2":
		s.State = "FIN_WAIT_2"
	default:
		s.State = c.Status
	}
	if s.State == "LISTEN" {
		s.Remote = netip.AddrPort{}
	}
	return s, true
}

func addrPort(a gnet.Addr) (netip.AddrPort, bool) {
	ip, err := netip.ParseAddr(a.IP)
	if err != nil || a.Port > 65535 {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(ip.Unmap(), uint16(a.Port)), true
}

// proc reads a process's name, parent and user once, its thread count
// every time.
func (r *Reader) proc(ctx context.Context, pid int) (Proc, bool) {
	p, err := process.NewProcessWithContext(ctx, int32(pid))
	if err != nil {
		delete(r.procs, pid)
		return Proc{}, false
	}
	known, ok := r.procs[pid]
	if !ok {
		known = Proc{PID: pid}
		if known.Name, err = p.NameWithContext(ctx); err != nil {
			return Proc{}, false
		}
		if ppid, err := p.PpidWithContext(ctx); err == nil {
			known.PPID = int(ppid)
		}
		if uids, err := p.UidsWithContext(ctx); err == nil && len(uids) > 0 {
			known.User = r.user(uids[0])
		}
	}
	if n, err := p.NumThreadsWithContext(ctx); err == nil {
		known.Threads = int(n)
	}
	r.procs[pid] = known
	return known, true
}

// user names a user id, as ps does (the number when the name is unknown).
func (r *Reader) user(uid uint32) string {
	if name, ok := r.users[uid]; ok {
		return name
	}
	name := strconv.FormatUint(uint64(uid), 10)
	if u, err := user.LookupId(name); err == nil {
		name = u.Username
	}
	r.users[uid] = name
	return name
}

// osName is the machine's OS as a Portville profile name.
func osName() string {
	switch runtime.GOOS {
	case "darwin":
		return "macos"
	case "linux", "windows", "freebsd":
		return runtime.GOOS
	}
	return runtime.GOOS
}

// portRange is the ephemeral range: Linux's sysctl, or the profile's
// default elsewhere (docs/os-profiles.md).
func portRange(osName string) [2]uint16 {
	if data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		f := strings.Fields(string(data))
		if len(f) == 2 {
			lo, err1 := strconv.ParseUint(f[0], 10, 16)
			hi, err2 := strconv.ParseUint(f[1], 10, 16)
			if err1 == nil && err2 == nil {
				return [2]uint16{uint16(lo), uint16(hi)}
			}
		}
	}
	if p, err := sim.ProfileByName(osName); err == nil {
		return [2]uint16{p.RangeLo, p.RangeHi}
	}
	return [2]uint16{49152, 65535}
}

// ownAddrs returns the machine's addresses: loopback, then the others,
// IPv4 before IPv6, link-local ones left out.
func ownAddrs() []netip.Addr {
	ifaddrs, _ := net.InterfaceAddrs()
	var out []netip.Addr
	for _, a := range ifaddrs {
		p, err := netip.ParsePrefix(a.String())
		if err != nil || p.Addr().IsLinkLocalUnicast() {
			continue
		}
		out = append(out, p.Addr().Unmap())
	}
	slices.SortFunc(out, func(a, b netip.Addr) int {
		return cmp.Or(-cmp.Compare(boolInt(a.IsLoopback()), boolInt(b.IsLoopback())), -cmp.Compare(boolInt(a.Is4()), boolInt(b.Is4())), a.Compare(b))
	})
	return slices.Compact(out)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
