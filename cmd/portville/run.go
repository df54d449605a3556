package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"portville/sim"
	"portville/sim/lang/catalogues"
	"portville/sim/lessons"
	"portville/sim/pcap"
	"portville/sim/scenario"
)

// usageError is bad input on the command line or in a file named on it:
// the process exits with status 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

const usage = `usage:
  portville [serve] [--addr 127.0.0.1:8080]   start the web app
  portville run --lesson ID | --file F [--seed N] [--os linux|windows|macos|freebsd] [--lang en|de|...] [--format text|jsonl|pcap] [-o FILE]
  portville lab [--lesson ID | --file F] [--os OS] [--seed N] [--format text|jsonl|pcap] [-o FILE] [--export FILE] < SCRIPT
                                               type a script of HOST$ COMMAND lines into the lab's town
  portville check FILE...                      validate scenario files
  portville lessons                            list the built-in lessons
  portville export-static DIR                  write the app as static files (no server needed) into DIR`

// run is the whole program; main only wires it to the process. Tests call
// it directly.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, stdout, stderr)
	case "run":
		return runLesson(args, stdout, stderr)
	case "check":
		return check(args, stdout, stderr)
	case "lab":
		return labCommand(args, stdin, stdout, stderr)
	case "lessons":
		return listLessons(args, stdout)
	case "export-static":
		return exportStatic(ctx, args, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return usagef("unknown command %q (commands: serve, run, lab, check, lessons, export-static, help)", cmd)
}

func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{err}
	}
	return nil
}

func listLessons(args []string, stdout io.Writer) error {
	if len(args) > 0 {
		return usagef("lessons takes no arguments, found %q", args[0])
	}
	all, err := lessons.All()
	if err != nil {
		return err
	}
	w := bufio.NewWriter(stdout)
	for _, l := range all {
		fmt.Fprintf(w, "%s\t%s\n", l.ID, l.Title())
	}
	return w.Flush()
}

// loadScenario returns the scenario named by --lesson or --file.
func loadScenario(lesson, file string) (*scenario.Scenario, error) {
	switch {
	case lesson != "" && file != "":
		return nil, usagef("give --lesson or --file, not both")
	case lesson != "":
		l, err := lessons.Get(lesson)
		if err != nil {
			var ue *lessons.UnknownError
			if errors.As(err, &ue) {
				return nil, &usageError{err}
			}
			return nil, err
		}
		return l.Scenario, nil
	case file != "":
		data, err := readLimited(file, scenario.MaxFileBytes)
		if err != nil {
			return nil, &usageError{err}
		}
		sc, err := scenario.Parse(file, data)
		if err != nil {
			return nil, &usageError{firstProblem(err, file)}
		}
		return sc, nil
	}
	return nil, usagef("run needs --lesson ID or --file FILE (portville lessons lists the IDs)")
}

// firstProblem keeps run's error to one line: the first problem, and how
// many more there are (portville check lists them all).
func firstProblem(err error, file string) error {
	var list scenario.ErrorList
	if errors.As(err, &list) && len(list) > 1 {
		return fmt.Errorf("%s (and %d more problems: portville check %s lists them)", list[0], len(list)-1, file)
	}
	return err
}

// readLimited reads a file, refusing one larger than limit bytes without
// reading it all.
func readLimited(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: the file is larger than %d bytes (1 MiB), the limit for a scenario", name, limit)
	}
	return data, nil
}

func runLesson(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("run", stderr)
	lesson := fs.String("lesson", "", "built-in lesson ID (see portville lessons)")
	file := fs.String("file", "", "scenario file (YAML)")
	seedStr := fs.String("seed", "", "seed for every random choice (default: the scenario's)")
	osName := fs.String("os", "", "OS profile for hosts that name none: linux, windows, macos, freebsd")
	format := fs.String("format", "text", "output format: text, jsonl, or pcap (a capture file for Wireshark)")
	outName := fs.String("o", "", "write to this file instead of standard output")
	langName := fs.String("lang", "en", "language of the sentences: "+strings.Join(catalogues.Codes, ", "))
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("run: unexpected argument %q", fs.Arg(0))
	}
	cat, err := catalogues.Lookup(*langName)
	if err != nil {
		return usagef("--lang: %v", err)
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	opt := scenario.Options{Lang: cat.Sim()}
	if opt.OS, opt.Seed, opt.SeedSet, err = osSeed(*osName, *seedStr); err != nil {
		return err
	}
	sc, err := loadScenario(*lesson, *file)
	if err != nil {
		return err
	}
	out, closeOut, err := output(*outName, *format, stdout)
	if err != nil {
		return err
	}
	defer closeOut()
	if *format == "pcap" {
		err := pcap.Capture(out, sc, opt, 0)
		var re *scenario.RunError
		if errors.As(err, &re) {
			return &usageError{err}
		}
		if err != nil {
			return err
		}
		return closeOut()
	}
	w := bufio.NewWriterSize(out, 64<<10)
	buf := make([]byte, 0, 1024)
	opt.OnEvent = func(e *sim.Event) {
		buf = buf[:0]
		if *format == "jsonl" {
			buf = e.AppendJSONIn(buf, opt.Lang)
			buf = append(buf, '\n')
		} else {
			buf = e.AppendTextIn(buf, true, opt.Lang)
		}
		w.Write(buf)
	}
	if *format == "text" {
		fmt.Fprintf(w, "# %s\n", cat.T("{title} (seed {seed})", "title", opt.Lang.Text(sc.Title), "seed", sc.SeedFor(opt)))
	}
	_, runErr := sc.Run(opt)
	if err := w.Flush(); err != nil {
		return writeError(*outName, err)
	}
	if runErr != nil {
		var re *scenario.RunError
		if errors.As(runErr, &re) {
			return &usageError{runErr}
		}
		return runErr
	}
	return closeOut()
}

func check(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("check", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("check needs at least one scenario file")
	}
	failed := 0
	for _, name := range fs.Args() {
		data, err := readLimited(name, scenario.MaxFileBytes)
		if err == nil {
			var sc *scenario.Scenario
			sc, err = scenario.Parse(name, data)
			if err == nil {
				err = sc.Check()
			}
			if err == nil {
				fmt.Fprintf(stdout, "%s: ok (%d hosts, %d steps)\n", name, len(sc.Hosts), len(sc.Steps))
				continue
			}
		}
		failed++
		fmt.Fprintln(stderr, err)
	}
	if failed > 0 {
		return usagef("%d of %d file(s) have problems", failed, fs.NArg())
	}
	return nil
}

// osSeed checks the --os and --seed flags of run and lab.
func osSeed(osName, seedStr string) (os string, seed uint64, seedSet bool, err error) {
	if seedStr != "" {
		if seed, err = strconv.ParseUint(seedStr, 10, 64); err != nil {
			return "", 0, false, usagef("--seed %q: expected a whole number from 0 to 18446744073709551615", seedStr)
		}
		seedSet = true
	}
	if osName != "" {
		if _, err := sim.ProfileByName(osName); err != nil {
			return "", 0, false, usagef("--os: %v", err)
		}
	}
	return osName, seed, seedSet, nil
}
