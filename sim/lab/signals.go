package lab

import (
	"fmt"
	"strconv"
	"strings"
)

// signalNames are Linux's signals by number, as bash's kill -l lists
// them (1-31; 32 and 33 are glibc's own, 34-64 real-time).
var signalNames = func() []string {
	out := make([]string, 65)
	for i, n := range strings.Fields("HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM STKFLT CHLD CONT STOP TSTP TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH IO PWR SYS") {
		out[i+1] = n
	}
	out[34], out[64] = "RTMIN", "RTMAX"
	for i := 1; i <= 15; i++ {
		out[34+i] = "RTMIN+" + strconv.Itoa(i)
	}
	for i := 1; i <= 14; i++ {
		out[64-i] = "RTMAX-" + strconv.Itoa(i)
	}
	return out
}()

// simSignal reports whether the simulator delivers a signal the simulator delivers: each ends the
// process (nginx and postgres take HUP as "reload", which the lab says
// it does not model).
func simSignal(s string) bool {
	switch s {
	case "HUP", "INT", "QUIT", "KILL", "TERM":
		return true
	}
	return false
}

// signalOf reads a signal as kill takes it (9, KILL, SIGKILL, kill),
// returning its name, or "" when there is no such signal.
func signalOf(s string) string {
	if n, err := strconv.Atoi(s); err == nil {
		if n >= 0 && n < len(signalNames) && (signalNames[n] != "" || n == 0) {
			if n == 0 {
				return "0"
			}
			return signalNames[n]
		}
		return ""
	}
	name := strings.TrimPrefix(strings.ToUpper(s), "SIG")
	for _, n := range signalNames {
		if n != "" && n == name {
			return n
		}
	}
	return ""
}

// killList is bash's kill -l: five to a row, a tab after each but the
// row's last.
func killList() []string {
	var b strings.Builder
	col := 0
	for i, n := range signalNames {
		if n == "" {
			continue
		}
		fmt.Fprintf(&b, "%2d) SIG%s", i, n)
		if col++; col < 5 {
			b.WriteByte('\t')
		} else {
			b.WriteByte('\n')
			col = 0
		}
	}
	return strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
}

// exitWord is how bash reports a job that a signal ended.
func exitWord(sig string) string {
	switch sig {
	case "TERM":
		return "Terminated"
	case "KILL":
		return "Killed"
	case "INT":
		return "Interrupt"
	case "HUP":
		return "Hangup"
	case "QUIT":
		return "Quit"
	}
	return sig
}
