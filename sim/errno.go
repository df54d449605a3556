package sim

import "fmt"

// Errno is a socket error named as the real errno constant, so that what the
// simulator reports is what a learner will later see from strerror, strace or
// a Python traceback.
type Errno string

// The errors the simulated socket API returns.
const (
	EADDRINUSE    Errno = "EADDRINUSE"
	EADDRNOTAVAIL Errno = "EADDRNOTAVAIL"
	ECONNREFUSED  Errno = "ECONNREFUSED"
	ECONNRESET    Errno = "ECONNRESET"
	EACCES        Errno = "EACCES"
	EINVAL        Errno = "EINVAL"
	EBADF         Errno = "EBADF"
	EISCONN       Errno = "EISCONN"
	EALREADY      Errno = "EALREADY"
	ENOTCONN      Errno = "ENOTCONN"
	EPIPE         Errno = "EPIPE"
	EOPNOTSUPP    Errno = "EOPNOTSUPP"
	EDESTADDRREQ  Errno = "EDESTADDRREQ"
	EHOSTUNREACH  Errno = "EHOSTUNREACH"
	EMFILE        Errno = "EMFILE"
	EAGAIN        Errno = "EAGAIN"
	ETIMEDOUT     Errno = "ETIMEDOUT"
	EMSGSIZE      Errno = "EMSGSIZE"
	// The resolver's errors (getaddrinfo's EAI_ codes, not errno values).
	EAI_NONAME Errno = "EAI_NONAME"
	EAI_AGAIN  Errno = "EAI_AGAIN"
)

// errnoText is what strerror(3) prints on Linux for each errno.
var errnoText = errnoMap(errnoTexts[:])

// errnoTexts are errnoText's entries. They are an array, not a map
// literal, because a map literal of fewer than 26 entries compiles to
// init code with a call per entry (about 240 bytes of WebAssembly each),
// while a package-level array is data and errnoMap one loop.
var errnoTexts = [...]errnoEntry{
	{EADDRINUSE, "Address already in use"},
	{EADDRNOTAVAIL, "Cannot assign requested address"},
	{ECONNREFUSED, "Connection refused"},
	{ECONNRESET, "Connection reset by peer"},
	{EACCES, "Permission denied"},
	{EINVAL, "Invalid argument"},
	{EBADF, "Bad file descriptor"},
	{EISCONN, "Transport endpoint is already connected"},
	{EALREADY, "Operation already in progress"},
	{ENOTCONN, "Transport endpoint is not connected"},
	{EPIPE, "Broken pipe"},
	{EOPNOTSUPP, "Operation not supported"},
	{EDESTADDRREQ, "Destination address required"},
	{EHOSTUNREACH, "No route to host"},
	{EMFILE, "Too many open files"},
	{EAGAIN, "Resource temporarily unavailable"},
	{ETIMEDOUT, "Connection timed out"},
	{EMSGSIZE, "Message too long"},
	{EAI_NONAME, "Name or service not known"},
	{EAI_AGAIN, "Temporary failure in name resolution"},
}

type errnoEntry struct {
	errno Errno
	text  string
}

// errnoMap returns entries as a map.
func errnoMap(entries []errnoEntry) map[Errno]string {
	m := make(map[Errno]string, len(entries))
	for _, e := range entries {
		m[e.errno] = e.text
	}
	return m
}

// Error returns the strerror text, for example "Address already in use".
func (e Errno) Error() string {
	if s, ok := errnoText[e]; ok {
		return s
	}
	return string(e)
}

// CallError is the error a socket call returns: which call failed and why.
// It unwraps to its Errno, so errors.Is(err, sim.EADDRINUSE) works.
type CallError struct {
	Call  string // "bind", "connect", ...
	Errno Errno
}

func (e *CallError) Error() string {
	return fmt.Sprintf("%s: %s (%s)", e.Call, e.Errno.Error(), string(e.Errno))
}

// Unwrap returns the Errno.
func (e *CallError) Unwrap() error { return e.Errno }
