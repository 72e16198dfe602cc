// Package shellrec turns what one line did in the emulated device's shell
// (a busybox.Result) into what a shell honeypot records: the evidence for
// attribution and the events to publish (command.input, one file.download
// per URL with whether its command ran, one attack.http_flood per flood
// target, one file.upload per program the attacker wrote in the shell and
// ran). Telnet, SSH and the IoT-HTTP sensor's injected commands record a
// line the same way through it, so the same bot line gives the same record
// on every door.
//
// It neither runs the line nor publishes: the caller runs the shell, feeds
// the evidence to its attribution tracker and publishes the events (with
// the family the tracker then knows) before it writes the answer.
package shellrec

import (
	"github.com/honeygate/honeygate/internal/attrib"
	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/sensor/busybox"
)

// MaxOutput bounds the shell output kept in a command.input, in bytes.
const MaxOutput = 1024

// Evidence returns what line, which ran in a shell with result r, tells
// attribution. A line read with echo off (a password typed at passwd's
// prompt) is not evidence. Every URL of the line is, whether its command
// ran or not: an echoed URL still names the bot's server.
func Evidence(line string, r busybox.Result) []attrib.Observation {
	obs := make([]attrib.Observation, 0, 1+len(r.Markers)+len(r.Downloads))
	if !r.Secret {
		obs = append(obs, attrib.Observation{Input: line})
	}
	for _, m := range r.Markers {
		obs = append(obs, attrib.Observation{Marker: m})
	}
	for _, d := range r.Downloads {
		obs = append(obs, attrib.Observation{URL: d.URL})
	}
	return obs
}

// Events returns the events of line, which ran in a shell with result r,
// in the order to publish them: the command, its downloads, its flood
// targets, the programs it dropped. newEvent makes an event of a kind with the session's common
// fields; a caller that stamps the family there feeds the Evidence to its
// tracker first.
//
// A line read with echo off gives a command.input without its text. Each
// download says whether its command ran, so that intel takes only what
// did. Flood targets are victims, never payloads: their own kind, never a
// file.download that intel would make an indicator of.
func Events(line string, r busybox.Result, newEvent func(event.Kind) *event.Event) []*event.Event {
	evs := make([]*event.Event, 0, 1+len(r.Downloads)+len(r.Floods)+len(r.Dropped))
	e := newEvent(event.CommandInput)
	if !r.Secret {
		e.Input = event.Text(line)
	}
	e.Output = event.Text(event.Truncate(string(r.Output), MaxOutput))
	e.Limit = r.Limit // the shell's budget the line hit, if any
	evs = append(evs, e)
	for _, d := range r.Downloads {
		e := newEvent(event.FileDownload)
		e.URL, e.Tool, e.Filename = event.Text(d.URL), event.Text(d.Tool), event.Text(d.Filename)
		e.Ran = event.BoolPtr(d.Ran)
		evs = append(evs, e)
	}
	for _, f := range r.Floods {
		e := newEvent(event.AttackHTTPFlood)
		e.TargetURL, e.Requests, e.Tool = event.Text(f.URL), f.Requests, event.Text(f.Tool)
		e.Ran = event.BoolPtr(f.Ran)
		evs = append(evs, e)
	}
	// A program written with echo and run is an upload by other means: the
	// same kind as an SCP or SFTP upload, so one query finds every payload
	// an attacker handed over. Tool "shell" says how; no sample is kept.
	for _, d := range r.Dropped {
		e := newEvent(event.FileUpload)
		e.Tool, e.Filename = DroppedTool, event.Text(d.Path)
		e.SHA256, e.UploadSize = d.SHA256, d.Size
		e.Message = "written in the shell and run; hashed, not kept"
		evs = append(evs, e)
	}
	return evs
}

// DroppedTool is the tool of a file.upload for a program the attacker
// wrote in the shell (echo, printf) and ran.
const DroppedTool = "shell"
