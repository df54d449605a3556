// Package wire holds the names of the websocket protocol between
// Portville's pages and its simulator (docs/protocol.md): its version,
// its message types, its error codes, the reasons of a snapshot and a
// class's roles, modes and ends. The server (package web) and the
// WebAssembly simulator (cmd/portville-wasm), which runs the same
// protocol in the page for the static build, both speak in these; the
// JavaScript side is static/js/protocol.js.
package wire

// ProtocolVersion is `v` in hello. A change that breaks a client bumps it.
const ProtocolVersion = 1

// Message types the server sends.
const (
	TypeHello    = "hello"
	TypeEvent    = "event"
	TypeEvents   = "events"
	TypeSnapshot = "snapshot"
	TypeState    = "state"
	TypeError    = "error"

	// Classroom (docs/protocol.md, "Classroom").
	TypeClass      = "class"       // the class, to a presenter or a new follower
	TypeClassStats = "class.stats" // follower and answer counts, to presenters
	TypeAnswered   = "answered"    // a follower's answer was taken
	TypeForked     = "forked"      // a follower's private copy
	TypeClassEnd   = "class.end"   // also sent by a presenter
	TypeClassMode  = "class.mode"  // also sent by a presenter

	// The lab (lab.go, docs/protocol.md "The lab").
	TypeLab       = "lab"        // the whole lab: after a load
	TypeLabEntry  = "lab.entry"  // one input and what it printed
	TypeLabUndo   = "lab.undo"   // also sent by the browser
	TypeLabExport = "lab.export" // also sent by the browser

	// The live view (live.go).
	TypeLive = "live" // the browser's own ports, and what the look left out
)

// Message types the browser sends.
const (
	TypePlay    = "play"
	TypePause   = "pause"
	TypeStep    = "step"
	TypeBack    = "back"
	TypeSeek    = "seek"
	TypeSpeed   = "speed"
	TypeRestart = "restart"
	TypeLoad    = "load"
	TypeResume  = "resume"

	// Classroom: a presenter sends class.start, class.mode and
	// class.end; a follower sends answer and fork.
	TypeClassStart = "class.start"
	TypeAnswer     = "answer"
	TypeFork       = "fork"

	// The lab: lab.input types into a host's terminal; lab.undo and
	// lab.export are also names of what the server sends back.
	TypeLabInput = "lab.input"
)

// Error codes, the `code` of an error message.
const (
	CodeBadJSON        = "bad_json"
	CodeUnknownType    = "unknown_type"
	CodeBadValue       = "bad_value"
	CodeRateLimited    = "rate_limited"
	CodeUnknownLesson  = "unknown_lesson"
	CodeUnknownSession = "unknown_session"
	CodeScenario       = "scenario"
	CodeSessionLimit   = "session_limit"
	CodeViewerLimit    = "viewer_limit"
	CodeForbidden      = "forbidden"
	CodeInternal       = "internal"

	// Classroom.
	CodeUnknownClass  = "unknown_class"
	CodeClassLimit    = "class_limit"
	CodeFollowerLimit = "follower_limit"
	CodeAnswerClosed  = "answer_closed"
	CodeReplaced      = "replaced"
	// CodeAddressLimit: the browser's network (its address) holds as
	// many sessions, classes or websockets as one address may
	// (fairness.go).
	CodeAddressLimit = "address_limit"
)

// Snapshot reasons, the `reason` of a snapshot message.
const (
	ReasonSeek    = "seek"
	ReasonBack    = "back"
	ReasonRestart = "restart"
	ReasonLoad    = "load"
	ReasonResume  = "resume"
	ReasonFollow  = "follow" // to followers, when the presenter takes control back
	ReasonLab     = "lab"    // a lab command happens at the end, or an undo went back
)

// Classroom roles (ClassInfo.Role), modes (class.mode) and the reasons a
// class ends (class.end).
const (
	RolePresenter = "presenter"
	RoleFollower  = "follower"

	ModeFollow = "follow" // followers see what the presenter shows
	ModeFree   = "free"   // followers may fork a private copy

	EndEnded = "ended" // a presenter sent class.end
	EndIdle  = "idle"  // no presenter sent anything for the class idle time
)

// Playback speeds the server accepts.
const (
	MinSpeed = 0.25
	MaxSpeed = 8
)
