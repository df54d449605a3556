package sim

import "fmt"

// Pipe passes data from one process to another on the same host through an
// anonymous pipe, as a shell does for "ps | grep": no socket, no address,
// no port, and nothing on the network. It emits pipe.write in the sender
// and pipe.read in the receiver.
func (t *Thread) Pipe(to *Process, data string) error {
	p := t.proc
	if !t.alive || !p.alive {
		return &CallError{Call: "write", Errno: EBADF}
	}
	if to == nil || !to.alive {
		return t.fail("write", EPIPE, 0)
	}
	if to.host != p.host {
		return fmt.Errorf("a pipe joins two processes on one host: %s and %s are on different hosts", p.prog.Name, to.prog.Name)
	}
	if len(data) > maxDataBytes {
		return t.fail("write", EINVAL, 0)
	}
	w := p.host.w
	e := w.newEvent(KindPipeWrite)
	e.Host, e.Program, e.PID, e.TID = p.host.name, p.prog.Name, p.pid, t.tid
	e.PPID = to.pid // the other end: the reading process
	e.Len, e.Data = len(data), truncData(data)
	w.emit(e)
	e = w.newEvent(KindPipeRead)
	e.Host, e.Program, e.PID, e.TID = to.host.name, to.prog.Name, to.pid, to.Main().tid
	e.PPID = p.pid // the other end: the writing process
	e.Len, e.Data = len(data), truncData(data)
	w.emit(e)
	return nil
}
