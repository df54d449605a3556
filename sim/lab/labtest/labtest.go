// Package labtest holds what tests and benchmarks of the lab share.
package labtest

import "strings"

// ClassScript is a lab script of n inputs of the kinds a class types:
// servers started, pages fetched with curl, sockets and processes listed,
// a line sent through nc, and a sleep 61 every 60 inputs so TIME_WAIT
// ends. The benchmarks of sim/lab and web type it.
func ClassScript(n int) string {
	lines := []string{"web$ nginx", "web$ nc -lk 7000", "web$ install devserver", "web$ devserver &"}
	cmds := []string{
		"laptop$ curl -s -o /dev/null -w '%{local_port}\\n' http://web/",
		"laptop$ curl -v http://web:3000/",
		"laptop$ nc -zv web 80",
		"laptop$ ss -tan",
		"web$ ps -e",
		"laptop$ echo hi | nc -N web 7000",
	}
	for i := 0; len(lines) < n; i++ {
		if i%60 == 59 {
			lines = append(lines, "laptop$ sleep 61")
			continue
		}
		lines = append(lines, cmds[i%len(cmds)])
	}
	return strings.Join(lines[:n], "\n") + "\n"
}
