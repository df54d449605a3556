//go:build unix

package live

import (
	"context"
	"net"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the CPU time this process has used: in user space, and in
// the kernel (reading /proc).
func cpuTime() (user, sys time.Duration) {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
}

// BenchmarkRefresh2000 is one refresh of the live view (a look at the
// machine and the town's update) with 2,000 more sockets open: 1,000
// loopback connections, both ends held by this process. cpu-ms/op is the
// CPU time it costs (issue 12's goal: under 50 ms), sys-ms/op the part
// the kernel spends writing /proc for it. docs/benchmarks.md reports it.
func BenchmarkRefresh2000(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	var conns []net.Conn
	defer func() {
		// Closed with a reset, so that no TIME_WAIT is left for the next
		// run to read (the kernel's tables are what a look costs).
		for _, c := range conns {
			c.(*net.TCPConn).SetLinger(0)
			c.Close()
		}
	}()
	accepted := make(chan net.Conn, 1000)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	for range 1000 {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Fatalf("dial: %v (open files limit?)", err)
		}
		conns = append(conns, c, <-accepted)
	}
	ctx := context.Background()
	r := NewReader()
	town := NewTown()
	m, err := r.Read(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if m.More < 1900 {
		b.Fatalf("the machine has %d sockets past the %d drawn; want the 2,000 opened here", m.More, len(m.Sockets))
	}
	town.Update(m, 0)
	b.ResetTimer()
	u0, s0 := cpuTime()
	for b.Loop() {
		m, err := r.Read(ctx)
		if err != nil {
			b.Fatal(err)
		}
		town.Update(m, 0)
	}
	u1, s1 := cpuTime()
	per := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) / float64(b.N) }
	b.ReportMetric(per(u1-u0+s1-s0), "cpu-ms/op")
	b.ReportMetric(per(s1-s0), "sys-ms/op")
}
