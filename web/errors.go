package web

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gorilla/websocket"

	"portville/sim/lang"
	"portville/web/wire"
)

// Errors the web package reports. Wrap them with context
// (fmt.Errorf("lesson %q: %w", id, errUnknownLesson)); errorTable maps each
// to what the user sees.
var (
	errNotFound       = errors.New("not found")
	errUnknownLesson  = errors.New("unknown lesson")
	errUnknownSession = errors.New("unknown session")
	errSessionLimit   = errors.New("the server has as many sessions as it allows")
	errViewerLimit    = errors.New("the session has as many viewers as it allows")
	errShuttingDown   = errors.New("the server is shutting down")
	errRateLimited    = errors.New("too many control messages")
	errForbidden      = errors.New("this viewer may not control the session")

	// Classroom.
	errUnknownClass    = errors.New("unknown class")
	errClassLimit      = errors.New("the server has as many classes as it allows")
	errFollowerLimit   = errors.New("the server has as many followers as it allows")
	errJoinRateLimited = errors.New("too many wrong class codes")
	errReplaced        = errors.New("the follower connected again elsewhere")
)

// errorInfo is how one kind of error is shown: as an HTTP response, as a
// websocket error message, and as the close code when the error ends a
// connection that has just opened.
type errorInfo struct {
	status  int    // HTTP status
	code    string // websocket error code (protocol.go)
	close   int    // websocket close code when the error refuses a connection
	title   string // page heading
	message string // one clear sentence, safe to show to anyone
}

// messageIn returns err's message in language c: the catalogue's
// translation of its English (for a userError, of its format, filled
// with the same values).
func messageIn(err error, c *lang.Catalogue) string {
	var ue *userError
	if errors.As(err, &ue) && ue.format != "" {
		return fmt.Sprintf(c.T(ue.format), ue.args...)
	}
	return c.T(describe(err).message)
}

// errorTable maps every error the package knows to what the user sees. The
// detail (wrapped context, file names) goes to the log only.
var errorTable = []struct {
	err  error
	info errorInfo
}{
	{errNotFound, errorInfo{http.StatusNotFound, wire.CodeBadValue, websocket.ClosePolicyViolation,
		"Page not found", "There is no page at this address. The lessons are listed on the home page."}},
	{errUnknownLesson, errorInfo{http.StatusNotFound, wire.CodeUnknownLesson, websocket.ClosePolicyViolation,
		"Lesson not found", "There is no lesson with that name. The lessons are listed on the home page."}},
	{errUnknownSession, errorInfo{http.StatusNotFound, wire.CodeUnknownSession, websocket.ClosePolicyViolation,
		"Session not found", "That session has ended; open the lesson again to start a new one."}},
	{errSessionLimit, errorInfo{http.StatusServiceUnavailable, wire.CodeSessionLimit, websocket.CloseTryAgainLater,
		"Server busy", "The server is running as many sessions as it allows. Try again in a few minutes."}},
	{errViewerLimit, errorInfo{http.StatusServiceUnavailable, wire.CodeViewerLimit, websocket.CloseTryAgainLater,
		"Session full", "This session has as many viewers as it allows."}},
	{errShuttingDown, errorInfo{http.StatusServiceUnavailable, wire.CodeInternal, websocket.CloseGoingAway,
		"Server stopping", "The server is shutting down. Try again when it is back."}},
	{errRateLimited, errorInfo{http.StatusTooManyRequests, wire.CodeRateLimited, websocket.ClosePolicyViolation,
		"Too many requests", "Too many control messages in a short time; this one was ignored."}},
	{errForbidden, errorInfo{http.StatusForbidden, wire.CodeForbidden, websocket.ClosePolicyViolation,
		"Not allowed", "Only the presenter can control this session."}},
	{errUnknownClass, errorInfo{http.StatusNotFound, wire.CodeUnknownClass, websocket.ClosePolicyViolation,
		"Class not found", "No class has that code: it may have ended. Check the code on the teacher's screen."}},
	{errClassLimit, errorInfo{http.StatusServiceUnavailable, wire.CodeClassLimit, websocket.CloseTryAgainLater,
		"Server busy", "The server is running as many classes as it allows. Try again later."}},
	{errFollowerLimit, errorInfo{http.StatusServiceUnavailable, wire.CodeFollowerLimit, websocket.CloseTryAgainLater,
		"Class full", "The class has as many followers as the server allows."}},
	{errClusterDown, errorInfo{http.StatusServiceUnavailable, wire.CodeInternal, websocket.CloseTryAgainLater,
		"Classes unreachable", "This server cannot reach the service that shares classes between servers right now. Try again in a moment."}},
	{errJoinRateLimited, errorInfo{http.StatusTooManyRequests, wire.CodeRateLimited, websocket.CloseTryAgainLater,
		"Too many attempts", "Too many wrong class codes came from your network. Wait a minute, then try again."}},
	{errLiveOff, errorInfo{http.StatusNotFound, wire.CodeBadValue, websocket.ClosePolicyViolation,
		"The live view is off", "This page draws the computer Portville runs on. It is off unless Portville is started with portville serve --live."}},
	{errLiveRemote, errorInfo{http.StatusForbidden, wire.CodeForbidden, websocket.ClosePolicyViolation,
		"Only on this machine", "This page shows the processes and connections of the computer Portville runs on, so Portville shows it only to a browser on that computer (at localhost). Open it there."}},
	{errLiveBusy, errorInfo{http.StatusServiceUnavailable, wire.CodeInternal, websocket.CloseTryAgainLater,
		"Too many live views", "As many live views are open as Portville allows; close one, then reload."}},
	{errAddrSessions, errorInfo{http.StatusTooManyRequests, wire.CodeAddressLimit, websocket.CloseTryAgainLater,
		"Your network is at its limit", "Your network has as many lessons open on this server as one network may. Close the tabs you no longer use; a lesson nobody watches closes by itself after a few minutes."}},
	{errAddrClasses, errorInfo{http.StatusTooManyRequests, wire.CodeAddressLimit, websocket.CloseTryAgainLater,
		"Your network is at its limit", "Your network runs as many classes on this server as one network may. End a class you no longer teach, then try again."}},
	{errAddrConns, errorInfo{http.StatusTooManyRequests, wire.CodeAddressLimit, websocket.CloseTryAgainLater,
		"Your network is at its limit", "Your network has as many connections open to this server as one network may. Close some tabs, then try again."}},
	{errReplaced, errorInfo{http.StatusConflict, wire.CodeReplaced, websocket.ClosePolicyViolation,
		"Opened elsewhere", "This class was opened again in another tab or window, which follows it now."}},
}

// internalError is what any error not in the table shows.
var internalError = errorInfo{http.StatusInternalServerError, wire.CodeInternal, websocket.CloseInternalServerErr,
	"Something went wrong", "The server could not do that. The details are in its log."}

// userError is a problem with what the user sent. Its message names the
// problem in the user's own terms and is safe to show.
type userError struct {
	code     string
	msg      string
	problems []ScenarioProblem
	format   string // userErrorf's format and args, for other languages
	args     []any
}

func (e *userError) Error() string { return e.msg }

func userErrorf(code, format string, args ...any) *userError {
	return &userError{code: code, msg: fmt.Sprintf(format, args...), format: format, args: args}
}

// describe returns how err is shown to the user.
func describe(err error) errorInfo {
	var ue *userError
	if errors.As(err, &ue) {
		return errorInfo{http.StatusBadRequest, ue.code, websocket.ClosePolicyViolation, "Bad request", ue.msg}
	}
	for _, row := range errorTable {
		if errors.Is(err, row.err) {
			return row.info
		}
	}
	return internalError
}

// errorMessage is the websocket error message for err, in English.
func errorMessage(err error) *ErrorMsg { return errorMessageIn(err, lang.English) }

// errorMessageIn is the websocket error message for err in language c.
// A scenario's problems stay as the parser words them: they are for
// whoever wrote the file, and name its lines.
func errorMessageIn(err error, c *lang.Catalogue) *ErrorMsg {
	info := describe(err)
	m := &ErrorMsg{Type: wire.TypeError, Code: info.code, Message: messageIn(err, c)}
	var ue *userError
	if errors.As(err, &ue) {
		m.Errors = ue.problems
	}
	return m
}
