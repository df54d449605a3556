package lab_test

import "testing"

// TestPgrepPkill: pgrep lists the processes a pattern names (procps's
// formats), pkill signals them; a worker goes with its master, and the
// status is 0 for a match, 1 for none, 2 for a usage error.
func TestPgrepPkill(t *testing.T) {
	t.Parallel()
	runShell(t, []shellStep{
		{in: "web$ pgrep nginx", want: "", status: 1},
		{in: "web$ nginx", want: ""},
		{in: "web$ pgrep nginx", want: `(\d+)\n\d+\n\d+\n`},
		{in: "web$ pgrep -l ngin", want: `\d+ nginx\n\d+ nginx\n\d+ nginx\n`},
		{in: "web$ pgrep -a -f worker", want: `\d+ nginx: worker process\n\d+ nginx: worker process\n`},
		{in: "web$ pgrep -x ngin", want: "", status: 1},
		{in: "web$ pgrep -c 'ng.nx|vsftpd'", want: "3\n"},
		{in: "web$ pgrep -o -d, nginx", want: `\d+\n`},
		{in: "web$ pgrep", want: "pgrep: no matching criteria specified\nTry `pgrep --help' for more information.\n", status: 2},
		{in: "web$ pgrep -w nginx", want: "lab: pgrep -w is real, .*\n", status: 2},
		{in: "web$ pgrep -y nginx", want: "pgrep: invalid option -- 'y'\n.*\n", status: 2},
		{in: "web$ pkill -USR1 nginx", want: `lab: pkill -USR1 \(SIGUSR1\) is real, .*\n`, status: 1},
		{in: "web$ pkill -e nginx", want: `nginx killed \(pid \d+\)\nnginx killed \(pid \d+\)\nnginx killed \(pid \d+\)\n`},
		{in: "web$ pgrep nginx", want: "", status: 1},
		{in: "web$ pkill nginx", want: "", status: 1},
		{in: "laptop$ nc -l 7000 &", want: `\[1\] \d+\n`},
		{in: "laptop$ pkill -9 nc", want: `\[1\]\+  Killed                  nc -l 7000\n`},
	})
}
