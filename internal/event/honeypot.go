package event

// The honeypot domain: what an attacker did in a session with a sensor.
// Kinds follow Cowrie's event ids without its "cowrie." prefix.
const (
	SessionConnect    Kind = "session.connect"    // a client connected to a sensor
	SessionClosed     Kind = "session.closed"     // the session ended; carries duration and final family
	SessionAttributed Kind = "session.attributed" // the session's family changed; carries the reasons
	SessionPanic      Kind = "session.panic"      // a bug in honeygate ended the session; carries the message
	ClientSize        Kind = "client.size"        // telnet NAWS window size
	LoginSuccess      Kind = "login.success"      // credentials accepted
	LoginFailed       Kind = "login.failed"       // credentials rejected
	CommandInput      Kind = "command.input"      // one shell command line
	FileDownload      Kind = "file.download"      // a payload URL the attacker asked the device to fetch (never fetched)
)

var honeypotKinds = []Kind{
	SessionConnect, SessionClosed, SessionAttributed, SessionPanic, ClientSize,
	LoginSuccess, LoginFailed, CommandInput, FileDownload,
}

// Login is a login attempt (login.success, login.failed).
type Login struct {
	Username Text  `json:"username,omitempty"`
	Password *Text `json:"password,omitempty"` // pointer: an empty password is a real observation
}

// Shell is one command line and the device's answer (command.input).
type Shell struct {
	Input  Text `json:"input,omitempty"`  // command line as typed
	Output Text `json:"output,omitempty"` // what the honeypot answered (truncated)
	// Limit names the emulated shell's budget the line hit (loop, steps,
	// work, parse, calls, time): the device then acts as a real one would
	// (the command goes on running, or ash crashes), and this says so.
	Limit string `json:"limit,omitempty"`
}

// Download is a payload the attacker asked the device to fetch
// (file.download); it is never fetched.
type Download struct {
	URL      Text `json:"url,omitempty"`      // payload URL
	Tool     Text `json:"tool,omitempty"`     // wget, tftp, curl, ...
	Filename Text `json:"filename,omitempty"` // where the attacker wanted the payload written
	// Ran says whether the command that named the URL ran: false for a
	// fallback after a "||" that was not needed or a branch not taken
	// (the URL is intel all the same). Absent from events of sensors that
	// do not tell.
	Ran *bool `json:"ran,omitempty"`
}

// Attribution says why a session's family was attributed
// (session.attributed, session.closed).
type Attribution struct {
	Reasons []string `json:"reasons,omitempty"`
	// Hint is the family a session's hints point to (a worm's login pair,
	// its port) while its behaviour attributes none: the family stays
	// unknown.
	Hint string `json:"hint,omitempty"`
}

// CloseCrashRecovered is the message of a session.closed that honeygate
// wrote at restart for a session a killed process left open: the sensor
// never saw it end, so its time (and duration) are those of the session's
// last event, the latest moment it is known to have been alive.
const CloseCrashRecovered = "crash-recovered"

// Closing is how a session ended (session.closed, session.panic).
type Closing struct {
	Message  Text    `json:"message,omitempty"`  // panic message, close reason, ...
	Duration float64 `json:"duration,omitempty"` // seconds, for session.closed
}

// WindowSize is the client's terminal size (client.size).
type WindowSize struct {
	Width  int `json:"width,omitempty"`
	Height int `json:"height,omitempty"`
}

// Traffic is what a session carried (session.closed).
type Traffic struct {
	Bytes int64 `json:"bytes,omitempty"` // bytes received in the session
}

// BoolPtr returns a pointer to b, for Download.Ran.
func BoolPtr(b bool) *bool { return &b }

// TextPtr returns a pointer to s as Text, for Login.Password.
func TextPtr(s string) *Text {
	t := Text(s)
	return &t
}
