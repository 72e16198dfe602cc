package iothttp

// TEMPORARY until the 14:50 merge of main (event groups, sensor.InfoOf):
// records carry the exploit and HTTP groups beside the event and fold them
// into Message.

import (
	"context"
	"encoding/json"
	"net"
	"time"

	"github.com/honeygate/honeygate/internal/attrib"
	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/sensor"
)

const (
	kindExploit event.Kind = "exploit.attempt"
	kindRequest event.Kind = "http.request"
)

type httpFields struct {
	Method    string `json:"http_method,omitempty"`
	URI       string `json:"http_uri,omitempty"`
	Host      string `json:"http_host,omitempty"`
	UserAgent string `json:"http_user_agent,omitempty"`
	Status    int    `json:"http_status,omitempty"`
	BodySize  int64  `json:"http_body_size,omitempty"`
	Body      string `json:"http_body,omitempty"`
}

type exploitFields struct {
	CVE       string   `json:"cve,omitempty"`
	Stage     string   `json:"stage,omitempty"`
	Technique string   `json:"technique,omitempty"`
	Params    []string `json:"params,omitempty"`
}

type rec struct {
	*event.Event
	HTTP    httpFields
	Exploit exploitFields
}

func (cc *conn) event(s *Sensor, kind event.Kind) *rec {
	src := ""
	if cc.info.SrcIP.IsValid() {
		src = cc.info.SrcIP.String()
	}
	e := &event.Event{ID: event.NewID(), Time: timeNow(), Kind: kind, Sensor: s.name, Proto: Proto,
		SrcIP: src, SrcPort: cc.info.SrcPort, DstPort: cc.info.DstPort, Session: cc.id}
	e.Family = cc.tracker.Family()
	if e.Family == attrib.Unknown {
		e.Family = ""
	}
	return &rec{Event: e}
}

func (s *Sensor) emitCtx(ctx context.Context, r *rec) {
	b, _ := json.Marshal(struct {
		httpFields
		exploitFields
	}{r.HTTP, r.Exploit})
	if string(b) != "{}" {
		r.Message += string(b)
	}
	s.publish(ctx, r.Event)
}

func connInfoOf(c net.Conn) sensor.ConnInfo {
	var info sensor.ConnInfo
	if ra, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		ap := ra.AddrPort()
		info.SrcIP, info.SrcPort = ap.Addr().Unmap(), int(ap.Port())
	}
	if la, ok := c.LocalAddr().(*net.TCPAddr); ok {
		info.DstPort = la.Port
	}
	return info
}

func sessionID(sensor.ConnInfo) string { return event.NewSessionID() }

func timeNow() time.Time { return time.Now().UTC() }
