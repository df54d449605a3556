package lab

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"portville/sim/scenario"
)

// The settings of a host's ephemeral port range, per OS profile
// (docs/os-profiles.md, "Changing the range").
const (
	linuxRangeKey  = "net.ipv4.ip_local_port_range"
	bsdFirstKey    = "net.inet.ip.portrange.first"
	bsdLastKey     = "net.inet.ip.portrange.last"
	linuxProtoSock = 1024 // net.ipv4.ip_unprivileged_port_start: the range may not start below it
	bsdReserved    = 1024 // IPPORT_RESERVED: XNU and FreeBSD clamp the range's ends to 1024-65535
)

// sysctl reads and writes the ephemeral port range as Linux's procps
// sysctl, macOS's and FreeBSD's do; other keys are unknown to the lab.
func (r *run) sysctl(args []string) error {
	linux := r.host().OS().Name == "linux"
	valueOnly := false
	var items []string
	for _, a := range args {
		switch {
		case a == "-w" || a == "--write":
		case a == "-n" || a == "--values":
			valueOnly = true
		case a == "-a" || a == "-A" || a == "--all":
			r.outln("lab: the town's kernels have one setting the lab shows, the ephemeral port range: sysctl " + r.rangeKeys())
			return nil
		case strings.HasPrefix(a, "-"):
			c := strings.TrimLeft(a, "-")
			if c == "" {
				c = "-"
			}
			// procps's and the BSDs' real options the lab does not model.
			real := "AXbeNpqrhVdiotTWxBf"
			if strings.HasPrefix(a, "--") && slices.Contains([]string{"--system", "--load", "--pattern", "--quiet", "--binary", "--ignore", "--names", "--help", "--version", "--deprecated"}, strings.Split(a, "=")[0]) ||
				!strings.HasPrefix(a, "--") && strings.IndexByte(real, c[0]) >= 0 {
				r.outln(r.notModelled("sysctl", a, "the lab's kernels have one setting, the ephemeral port range: sysctl "+r.rangeKeys()))
				r.status(1)
				return nil
			}
			if linux {
				r.outln("sysctl: invalid option -- '"+c[:1]+"'", "Usage:", " sysctl [options] [variable[=value] ...]")
			} else {
				r.outln("sysctl: illegal option -- "+c[:1], "usage: sysctl [-bdehiNnoqTtWx] [ -B <bufsize> ] [-f filename] name[=value] ...")
			}
			r.status(1)
			return nil
		default:
			items = append(items, a)
		}
	}
	if len(items) == 0 {
		if linux {
			r.outln("Usage:", " sysctl [options] [variable[=value] ...]")
		} else {
			r.outln("usage: sysctl [-bdehiNnoqTtWx] [ -B <bufsize> ] [-f filename] name[=value] ...")
		}
		r.status(1)
		return nil
	}
	for _, it := range items {
		key, val, write := strings.Cut(it, "=")
		var err error
		if linux {
			err = r.sysctlLinux(key, val, write, valueOnly)
		} else {
			err = r.sysctlBSD(key, val, write, valueOnly)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (r *run) rangeKeys() string {
	if r.host().OS().Name == "linux" {
		return linuxRangeKey
	}
	return bsdFirstKey + " " + bsdLastKey
}

func (r *run) sysctlLinux(key, val string, write, valueOnly bool) error {
	lo, hi := r.host().EphemeralRange()
	if key != linuxRangeKey {
		r.outln("sysctl: cannot stat /proc/sys/" + strings.ReplaceAll(key, ".", "/") + ": No such file or directory")
		r.status(255)
		return nil
	}
	if !write {
		if valueOnly {
			r.outln(fmt.Sprintf("%d\t%d", lo, hi))
		} else {
			r.outln(fmt.Sprintf("%s = %d\t%d", key, lo, hi))
		}
		return nil
	}
	f := strings.Fields(val)
	var a, b int
	var err1, err2 error
	if len(f) == 2 {
		a, err1 = strconv.Atoi(f[0])
		b, err2 = strconv.Atoi(f[1])
	}
	// proc_dointvec_minmax takes 1-65535; ipv4_local_port_range wants
	// low <= high and low at least ip_unprivileged_port_start.
	if len(f) != 2 || err1 != nil || err2 != nil || a < 1 || b > 65535 || b < a || a < linuxProtoSock {
		r.outln("sysctl: setting key \"" + key + "\": Invalid argument")
		r.status(1)
		return nil
	}
	if err := r.setRange(uint16(a), uint16(b)); err != nil {
		return err
	}
	if valueOnly {
		r.outln(val)
	} else {
		r.outln(key + " = " + val)
	}
	return nil
}

func (r *run) sysctlBSD(key, val string, write, valueOnly bool) error {
	lo, hi := r.host().EphemeralRange()
	var cur int
	switch key {
	case bsdFirstKey:
		cur = int(lo)
	case bsdLastKey:
		cur = int(hi)
	default:
		r.outln("sysctl: unknown oid '" + key + "'")
		r.status(1)
		return nil
	}
	if !write {
		if valueOnly {
			r.outln(strconv.Itoa(cur))
		} else {
			r.outln(fmt.Sprintf("%s: %d", key, cur))
		}
		return nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(val))
	if err != nil {
		r.outln("sysctl: invalid integer '" + val + "'")
		r.status(1)
		return nil
	}
	// XNU and FreeBSD clamp the ends into 1024-65535 (RANGECHK); with
	// first above last they count down, over the same ports.
	n = min(max(n, bsdReserved), 65535)
	newLo, newHi := int(lo), int(hi)
	if key == bsdFirstKey {
		newLo = n
	} else {
		newHi = n
	}
	if newLo > newHi {
		newLo, newHi = newHi, newLo
	}
	if err := r.setRange(uint16(newLo), uint16(newHi)); err != nil {
		return err
	}
	if valueOnly {
		r.outln(strconv.Itoa(n))
	} else {
		r.outln(fmt.Sprintf("%s: %d -> %d", key, cur, n))
	}
	return nil
}

// netsh is Windows's netsh for the dynamic port range:
// netsh int ipv4 set|show dynamicport tcp|udp [start=N num=N].
func (r *run) netsh(args []string) error {
	lower := make([]string, len(args))
	for i, a := range args {
		lower[i] = strings.ToLower(a)
	}
	if len(lower) < 4 || (lower[0] != "int" && lower[0] != "interface") || lower[1] != "ipv4" || lower[3] != "dynamicport" ||
		(lower[2] != "set" && lower[2] != "show") {
		r.outln("lab: the lab's netsh takes: netsh int ipv4 show dynamicport tcp, netsh int ipv4 set dynamicport tcp start=N num=N")
		r.status(1)
		return nil
	}
	if len(lower) < 5 || (lower[4] != "tcp" && lower[4] != "udp") {
		r.outln("The following command was not found: " + strings.Join(args, " ") + ".")
		r.status(1)
		return nil
	}
	lo, hi := r.host().EphemeralRange()
	if lower[2] == "show" {
		r.outln("", "Protocol "+lower[4]+" Dynamic Port Range", "---------------------------------",
			fmt.Sprintf("Start Port      : %d", lo), fmt.Sprintf("Number of Ports : %d", int(hi)-int(lo)+1), "")
		return nil
	}
	start, num := -1, -1
	for _, a := range lower[5:] {
		k, v, _ := strings.Cut(a, "=")
		n, err := strconv.Atoi(v)
		if err != nil {
			n = -1
		}
		switch k {
		case "start":
			start = n
		case "num":
			num = n
		case "store":
		default:
			start = -1
		}
	}
	// Windows takes at least 255 ports, from 1025 up.
	if start < 1025 || num < 255 || start+num-1 > 65535 {
		r.outln("The parameter is incorrect.", "")
		r.status(1)
		return nil
	}
	if err := r.setRange(uint16(start), uint16(start+num-1)); err != nil {
		return err
	}
	r.outln("Ok.", "")
	return nil
}

// setRange writes the step that changes the host's ephemeral range.
func (r *run) setRange(lo, hi uint16) error {
	return r.step(scenario.Step{Action: "set_range", Host: r.in.Host, RangeLo: lo, RangeHi: hi})
}
