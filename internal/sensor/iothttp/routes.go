package iothttp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"sort"
	"time"

	"github.com/honeygate/honeygate/internal/attrib"
	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/sensor/shellrec"
)

// The exploits this sensor answers.
type exploit struct {
	technique string
	cve       string
	params    []string // SOAP parameters the device pastes into a shell line
}

var (
	exploitHG532 = exploit{"huawei-hg532-rce", "CVE-2017-17215", []string{"NewStatusURL", "NewDownloadURL"}}
	// miniigd builds an iptables line from the port mapping; the client
	// address is the field worms put their commands in.
	exploitMiniigd = exploit{"realtek-miniigd-rce", "CVE-2014-8361", []string{"NewInternalClient", "NewRemoteHost"}}
	// Commands in another CGI's parameters; the CVE when the CGI is known.
	exploitGeneric = exploit{technique: "http-command-injection"}
)

// Bounds on what one request records.
const (
	maxHeadersObserved = 32
	maxEventText       = 4096
	maxBodyText        = 2048
	maxRequests        = 1000 // requests served on one connection
)

// ServeHTTP implements http.Handler: it records the request, then answers
// as the device it imitates.
func (s *Sensor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cc, _ := r.Context().Value(connKey{}).(*conn)
	if cc == nil { // served outside NewServer (never in production)
		http.Error(w, "no session", http.StatusInternalServerError)
		return
	}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.panicked(cc, v)
			// Abort the connection quietly, as net/http would, without
			// its stack trace in our logs a second time.
			panic(http.ErrAbortHandler)
		}
	}()
	// Runs after the unlock below: hijacking the connection calls the
	// ConnState hook, which takes cc.mu.
	defer s.writeRaw(w, cc)
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.reqs++; cc.reqs >= maxRequests {
		// Enough from one connection: this answer is its last.
		w.Header().Set("Connection", "close")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBody))
	cc.bytes += int64(len(body))
	tooLarge := false
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		tooLarge = true
	}
	status, route := s.route(r, tooLarge)
	e := cc.event(s, event.HTTPRequest)
	e.HTTP.Method = text(r.Method, 16)
	e.HTTP.URI = text(r.RequestURI, maxEventText)
	e.HTTP.Host = text(r.Host, 256)
	e.HTTP.UserAgent = text(r.UserAgent(), 512)
	e.HTTP.Status = status
	e.HTTP.BodySize = int64(len(body))
	// The body's start is what identifies an exploit this sensor has no
	// endpoint for.
	e.HTTP.Body = text(string(body), maxBodyText)
	s.emit(cc, e)
	s.observeHeaders(cc, r)
	if !tooLarge && !soapEndpoint(r) {
		if injs := genericInjections(r, body); len(injs) > 0 {
			x := exploitGeneric
			if cve := knownCGI[r.URL.Path]; cve != "" {
				x.cve = cve
			}
			s.record(cc, x, injs)
		}
	}
	route(w, r, cc, body)
}

// soapEndpoint reports the requests hg532 and miniigd handle themselves.
func soapEndpoint(r *http.Request) bool {
	return r.Method == http.MethodPost &&
		(r.URL.Path == "/ctrlt/DeviceUpgrade_1" || r.URL.Path == "/picsdesc.xml" || r.URL.Path == "/wanipcn.xml")
}

// route picks the endpoint for r and the status it will answer.
func (s *Sensor) route(r *http.Request, tooLarge bool) (int, func(http.ResponseWriter, *http.Request, *conn, []byte)) {
	if tooLarge {
		return http.StatusRequestEntityTooLarge, func(w http.ResponseWriter, _ *http.Request, _ *conn, _ []byte) {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
		}
	}
	switch p := r.URL.Path; {
	case p == "/ctrlt/DeviceUpgrade_1" && r.Method == http.MethodPost:
		if r.Header.Get("Authorization") == "" {
			return http.StatusUnauthorized, s.hg532
		}
		return http.StatusOK, s.hg532
	case (p == "/picsdesc.xml" || p == "/wanipcn.xml") && r.Method == http.MethodPost:
		return http.StatusOK, s.miniigd
	case p == "/picsdesc.xml" || p == "/rootDesc.xml":
		return http.StatusOK, s.description
	case p == "/" || p == "/index.html" || p == "/login.htm" || p == "/login.html" || p == "/login.asp":
		if r.Method == http.MethodPost {
			return http.StatusOK, s.login
		}
		return http.StatusOK, s.loginPage
	case p == "/login.cgi" || p == "/cgi-bin/login.cgi" || p == "/goform/login" || p == "/login":
		return http.StatusOK, s.login
	}
	return http.StatusNotFound, s.notFound
}

// observeHeaders feeds the client's headers to attribution.
func (s *Sensor) observeHeaders(cc *conn, r *http.Request) {
	if ua := r.UserAgent(); ua != "" {
		s.observe(cc, attrib.Observation{Client: ua})
	}
	names := make([]string, 0, len(r.Header))
	for k := range r.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	n := 0
	for _, k := range names {
		for _, v := range r.Header[k] {
			if n++; n > maxHeadersObserved {
				return
			}
			s.observe(cc, attrib.Observation{Header: k + ": " + v})
		}
	}
}

// hg532 answers the Huawei HG532's UPnP firmware upgrade action. The
// firmware pastes NewDownloadURL and NewStatusURL into a shell line, which
// is why a $( ) in either runs.
func (s *Sensor) hg532(w http.ResponseWriter, r *http.Request, cc *conn, body []byte) {
	s.injected(cc, exploitHG532, body)
	w.Header().Set("Server", "Linux UPnP/1.0 Huawei-ATP-IGD")
	if r.Header.Get("Authorization") == "" {
		var nonce [16]byte
		_, _ = rand.Read(nonce[:])
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Digest realm="HuaweiHomeGateway", nonce="%s", qop="auth", algorithm="MD5"`, hex.EncodeToString(nonce[:])))
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	soapReply(w, `<u:UpgradeResponse xmlns:u="urn:schemas-upnp-org:service:WANPPPConnection:1"></u:UpgradeResponse>`)
}

// miniigd answers the Realtek SDK UPnP daemon's AddPortMapping.
func (s *Sensor) miniigd(w http.ResponseWriter, r *http.Request, cc *conn, body []byte) {
	s.injected(cc, exploitMiniigd, body)
	w.Header().Set("Server", "Linux/2.4.18, UPnP/1.0, miniigd/1.0")
	soapReply(w, `<u:AddPortMappingResponse xmlns:u="urn:schemas-upnp-org:service:WANIPConnection:1"></u:AddPortMappingResponse>`)
}

func soapReply(w http.ResponseWriter, inner string) {
	w.Header().Set("Content-Type", `text/xml; charset="utf-8"`)
	w.Header().Set("EXT", "")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, `<?xml version="1.0"?>`+"\r\n"+
		`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body>`+
		inner+`</s:Body></s:Envelope>`+"\r\n")
}

// injected records an exploit request and runs what it injects.
func (s *Sensor) injected(cc *conn, x exploit, body []byte) {
	s.record(cc, x, extract(string(body), x.params...))
}

// record records an exploit.attempt and runs the injected commands.
func (s *Sensor) record(cc *conn, x exploit, injs []injection) {
	e := cc.event(s, event.ExploitAttempt)
	e.Exploit.CVE = x.cve
	e.Exploit.Stage = event.StageExploit
	e.Exploit.Technique = x.technique
	for _, inj := range injs {
		e.Exploit.Params = append(e.Exploit.Params, inj.Param)
	}
	if len(injs) == 0 {
		// The endpoint was called without an injection: a scanner
		// checking it is there.
		e.Exploit.Stage = event.StageProbe
	}
	s.emit(cc, e)
	s.observe(cc, attrib.Observation{Exploit: x.technique})
	for _, inj := range injs {
		for _, cmd := range inj.Commands {
			s.run(cc, cmd)
		}
	}
}

// run runs one injected command on the session's shell, as the device's
// system() would, and records it as telnet and ssh record a line.
func (s *Sensor) run(cc *conn, cmd string) {
	if cc.shell == nil {
		cc.shell = s.dev.NewShell(cc.ctx)
	}
	res := cc.shell.Run(cmd)
	out := res.Output
	if res.Continue || res.Exited {
		// system() runs each command in a shell of its own: an unfinished
		// one is a syntax error, and "exit" ends only that shell. The
		// next command gets a fresh one.
		if res.Continue {
			out = []byte("sh: syntax error: unexpected end of file\n")
		}
		cc.shell.Close()
		cc.shell = nil
	}
	res.Output = out
	for _, o := range shellrec.Evidence(cmd, res) {
		s.observe(cc, o) // publishes session.attributed when the family changes
	}
	for _, e := range shellrec.Events(cmd, res, func(k event.Kind) *event.Event { return cc.event(s, k) }) {
		s.emit(cc, e)
	}
}

// text bounds attacker text for an event.
func text(s string, n int) event.Text { return event.Text(event.Truncate(s, n)) }

// description serves the UPnP device description miniigd publishes.
func (s *Sensor) description(w http.ResponseWriter, _ *http.Request, _ *conn, _ []byte) {
	w.Header().Set("Server", "Linux/2.4.18, UPnP/1.0, miniigd/1.0")
	w.Header().Set("Content-Type", `text/xml; charset="utf-8"`)
	_, _ = io.WriteString(w, `<?xml version="1.0"?>
<root xmlns="urn:schemas-upnp-org:device-1-0"><specVersion><major>1</major><minor>0</minor></specVersion>
<device><deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:1</deviceType>
<friendlyName>`+html.EscapeString(s.cfg.Title)+`</friendlyName><manufacturer>Realtek Semiconductor Corp.</manufacturer>
<modelName>RTL8xxx IGD</modelName><UDN>uuid:12342409-1234-1234-5678-ee1234cc5678</UDN>
<serviceList><service><serviceType>urn:schemas-upnp-org:service:WANIPConnection:1</serviceType>
<serviceId>urn:upnp-org:serviceId:WANIPConn1</serviceId><controlURL>/wanipcn.xml</controlURL>
<eventSubURL>/wanipcn.xml</eventSubURL><SCPDURL>/wanipcn.xml</SCPDURL></service></serviceList></device></root>
`)
}

// loginPage is the router's login form.
func (s *Sensor) loginPage(w http.ResponseWriter, _ *http.Request, _ *conn, _ []byte) {
	s.page(w, http.StatusOK, "")
}

// login records a login attempt from the form and refuses it.
func (s *Sensor) login(w http.ResponseWriter, r *http.Request, cc *conn, body []byte) {
	form, _ := url.ParseQuery(string(body))
	user := first(form, "username", "user", "login", "name", "admin_name", "Username")
	pass := first(form, "password", "pass", "pwd", "passwd", "admin_pwd", "Password")
	if user != "" || pass != "" {
		e := cc.event(s, event.LoginFailed)
		e.Username = text(user, 256)
		e.Password = event.TextPtr(event.Truncate(pass, 256))
		s.emit(cc, e)
		s.observe(cc, attrib.Observation{Login: true, Username: user, Password: pass})
	}
	s.page(w, http.StatusOK, "Incorrect user name or password.")
}

func first(v url.Values, keys ...string) string {
	for _, k := range keys {
		if s := v.Get(k); s != "" {
			return s
		}
	}
	return ""
}

func (s *Sensor) page(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Server", s.cfg.Server)
	w.Header().Set("Content-Type", "text/html")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	t := html.EscapeString(s.cfg.Title)
	if msg != "" {
		msg = `<p class="err">` + html.EscapeString(msg) + `</p>`
	}
	_, _ = io.WriteString(w, `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>`+t+`</title></head>
<body><h1>`+t+`</h1>`+msg+`
<form method="post" action="/login.cgi">
<label>User name <input name="username" type="text"></label>
<label>Password <input name="password" type="password"></label>
<input type="submit" value="Log In">
</form></body></html>
`)
}

// notFound is mini_httpd's 404, byte for byte (front.go): its error page
// has no Content-Length and a Content-Type net/http would not write as it
// is, so it is written raw on the hijacked connection (writeRaw), after the
// request's events.
func (s *Sensor) notFound(_ http.ResponseWriter, r *http.Request, cc *conn, _ []byte) {
	proto := cc.protocol
	if proto == "" { // served without the front door
		proto = r.Proto
	}
	cc.raw = errNotFound.bytes(s.cfg.Server, proto, r.UserAgent(), time.Now())
}

// writeRaw writes the answer a route left in cc.raw on the bare connection
// and closes it, as mini_httpd does after each request.
//
// The session ends after the answer is written, not at the hijack: ending
// it cancels the session's context, which closes the connection.
func (s *Sensor) writeRaw(w http.ResponseWriter, cc *conn) {
	hj, ok := w.(http.Hijacker)
	cc.mu.Lock()
	raw := cc.raw
	cc.raw = nil
	cc.hijacked = raw != nil && ok
	cc.mu.Unlock()
	if raw == nil || !ok {
		return
	}
	c, bw, err := hj.Hijack()
	if err != nil {
		return // not hijacked: net/http closes it and ConnState ends the session
	}
	_ = c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, _ = bw.Write(raw)
	_ = bw.Flush()
	c.Close()
	s.endSession(c)
}

// panicked records a session.panic for a request that panicked.
func (s *Sensor) panicked(cc *conn, v any) {
	s.log.Error("request panicked", "session", cc.id, "panic", fmt.Sprint(v))
	e := cc.event(s, event.SessionPanic)
	e.Message = text(fmt.Sprint(v), 1024)
	ctx, cancel := context.WithTimeout(context.Background(), 5e9)
	defer cancel()
	s.publish(ctx, e)
}

var _ http.Handler = (*Sensor)(nil)
