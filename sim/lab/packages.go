package lab

import (
	"fmt"
	"slices"
	"strings"

	"portville/sim/scenario"
)

// This file installs and removes the catalogue's programs: the lab's own
// install and uninstall, and Debian's apt.

func packageNames() string {
	var names []string
	for _, p := range Catalogue {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}

// install is the lab's own installer (any OS), and apt's when quiet is
// false... see apt for Debian's words.
func (r *run) install(args []string, viaApt bool) error {
	if len(args) == 0 {
		r.outln("lab: install NAME (the programs: " + packageNames() + ")")
		r.status(2)
		return nil
	}
	h := r.host()
	for _, name := range args {
		pkg := packageByName(name)
		switch {
		case pkg == nil && viaApt:
			r.outln("E: Unable to locate package " + name)
			r.status(100)
			return nil
		case pkg == nil:
			r.outln("lab: there is no program " + name + " to install (the programs: " + packageNames() + ")")
			r.status(1)
			return nil
		case h.Program(pkg.Program) != nil:
			if viaApt {
				r.outln(pkg.Name + " is already the newest version (" + pkg.Version + ").")
			} else {
				r.outln("lab: " + pkg.Program + " is already installed on " + r.in.Host)
			}
			continue
		case len(h.Programs()) >= scenario.MaxProgramsPerHost:
			r.outln(fmt.Sprintf("lab: %s has %d programs, the most a host holds", r.in.Host, scenario.MaxProgramsPerHost))
			r.status(1)
			return nil
		}
		prog := pkg.program()
		if err := r.step(scenario.Step{Action: "install", Host: r.in.Host, Program: prog.Name, Install: &prog}); err != nil {
			return err
		}
		if viaApt {
			r.outln("Setting up " + pkg.Name + " (" + pkg.Version + ") ...")
		} else {
			r.outln(fmt.Sprintf("lab: installed %s on %s (%s); type %s to start it", pkg.Program, r.in.Host, pkg.Title, pkg.Program))
		}
	}
	return nil
}

// uninstall removes a program; running processes of it are stopped
// first, as Debian's packages stop their service before removal.
func (r *run) uninstall(args []string, viaApt bool) error {
	if len(args) == 0 {
		r.outln("lab: uninstall NAME")
		r.status(2)
		return nil
	}
	h := r.host()
	for _, name := range args {
		pkg := packageByName(name)
		prog := name
		if pkg != nil {
			prog = pkg.Program
		}
		switch {
		case isBaseTool(prog):
			r.outln("lab: " + prog + " is part of the lab's base system and stays")
			r.status(1)
			return nil
		case h.Program(prog) == nil && viaApt:
			if pkg == nil {
				r.outln("E: Unable to locate package " + name)
				r.status(100)
				return nil
			}
			r.outln("Package '" + pkg.Name + "' is not installed, so not removed")
			continue
		case h.Program(prog) == nil:
			r.outln("lab: " + prog + " is not installed on " + r.in.Host)
			r.status(1)
			return nil
		}
		for _, p := range slices.Clone(h.Processes()) {
			if p.Program().Name == prog && p.Alive() {
				if alias := r.lab.aliasOf(h, p.PID()); alias != "" {
					if err := r.step(scenario.Step{Action: "exit", Proc: alias, Signal: "TERM"}); err != nil {
						return err
					}
				}
			}
		}
		if err := r.step(scenario.Step{Action: "uninstall", Host: r.in.Host, Program: prog}); err != nil {
			return err
		}
		if viaApt {
			version := "1.0"
			if pkg != nil {
				version = pkg.Version
			}
			r.outln("Removing " + name + " (" + version + ") ...")
		} else {
			r.outln("lab: removed " + prog + " from " + r.in.Host)
		}
	}
	return nil
}

// apt is Debian's apt install and apt remove, as root.
func (r *run) apt(name string, args []string) error {
	var pkgs []string
	op := ""
	for _, a := range args {
		switch {
		case a == "-y" || a == "--yes" || a == "-q" || a == "--no-install-recommends":
		case strings.HasPrefix(a, "-"):
			r.outln("E: Command line option '" + strings.TrimLeft(a, "-") + "' [from " + a + "] is not understood in combination with the other options.")
			r.status(100)
			return nil
		case op == "":
			op = a
		default:
			pkgs = append(pkgs, a)
		}
	}
	switch op {
	case "install", "remove", "purge":
	case "":
		r.outln("apt 2.6.1 (amd64)", "Usage: apt [options] command", "", "Most used commands:", "  install - install packages", "  remove - remove packages")
		r.status(1)
		return nil
	default:
		r.outln("E: Invalid operation " + op)
		r.status(100)
		return nil
	}
	if len(pkgs) == 0 {
		if op == "install" {
			r.outln("Reading package lists... Done", "Building dependency tree... Done", "Reading state information... Done", "0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.")
		}
		return nil
	}
	r.outln("Reading package lists... Done", "Building dependency tree... Done", "Reading state information... Done")
	if op == "install" {
		return r.install(pkgs, true)
	}
	return r.uninstall(pkgs, true)
}
