package smb

// TEMPORARY until internal/event has the exploit and SMB groups (after the
// 14:50 merge of main): the session builds records with the groups beside
// the event and folds them into Message.

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/honeygate/honeygate/internal/attrib"
	"github.com/honeygate/honeygate/internal/event"
)

const (
	kindExploit     event.Kind = "exploit.attempt"
	kindNegotiate   event.Kind = "smb.negotiate"
	kindTreeConnect event.Kind = "smb.tree_connect"
	kindPipeOpen    event.Kind = "smb.pipe_open"
)

type smbFields struct {
	Dialects     []string `json:"smb_dialects,omitempty"`
	Dialect      string   `json:"smb_dialect,omitempty"`
	Domain       string   `json:"ntlm_domain,omitempty"`
	Workstation  string   `json:"ntlm_workstation,omitempty"`
	NativeOS     string   `json:"smb_native_os,omitempty"`
	NativeLanMan string   `json:"smb_native_lanman,omitempty"`
	Auth         string   `json:"smb_auth,omitempty"`
	Hash         string   `json:"ntlm_hash,omitempty"`
	HashType     string   `json:"ntlm_hash_type,omitempty"`
	Tree         string   `json:"smb_tree,omitempty"`
	Service      string   `json:"smb_service,omitempty"`
	Status       string   `json:"smb_status,omitempty"`
	Pipe         string   `json:"smb_pipe,omitempty"`
}

type exploitFields struct {
	CVE             string `json:"cve,omitempty"`
	Stage           string `json:"stage,omitempty"`
	Technique       string `json:"technique,omitempty"`
	Sample          string `json:"sample,omitempty"`
	SampleSize      int64  `json:"sample_size,omitempty"`
	SampleTruncated bool   `json:"sample_truncated,omitempty"`
	Payload         string `json:"payload,omitempty"`
	PayloadSize     int64  `json:"payload_size,omitempty"`
	PayloadType     string `json:"payload_type,omitempty"`
	PayloadPartial  bool   `json:"payload_partial,omitempty"`
}

type rec struct {
	*event.Event
	SMB     smbFields
	Exploit exploitFields
}

func (ss *session) event(kind event.Kind) *rec {
	e := ss.s.event(kind, ss.id, ss.info)
	e.Family = ss.tracker.Family()
	if e.Family == attrib.Unknown {
		e.Family = ""
	}
	return &rec{Event: e}
}

func (ss *session) emit(r *rec) { ss.emitCtx(ss.ctx, r) }

func (ss *session) emitCtx(ctx context.Context, r *rec) {
	b, _ := json.Marshal(struct {
		smbFields
		exploitFields
	}{r.SMB, r.Exploit})
	if string(b) != "{}" {
		r.Message += string(b)
	}
	ss.s.publish(ctx, r.Event)
}

func techniqueOf(e event.Event) string {
	i := strings.Index(e.Message, `"technique":"`)
	if i < 0 {
		return ""
	}
	rest := e.Message[i+len(`"technique":"`):]
	return rest[:strings.IndexByte(rest, '"')]
}

func hashOf(e event.Event) string {
	i := strings.Index(e.Message, `"ntlm_hash":"`)
	if i < 0 {
		return ""
	}
	rest := e.Message[i+len(`"ntlm_hash":"`):]
	return rest[:strings.IndexByte(rest, '"')]
}

func sampleHashes(e event.Event) []string {
	var out []string
	for _, k := range []string{`"sample":"`, `"payload":"`} {
		if i := strings.Index(e.Message, k); i >= 0 {
			rest := e.Message[i+len(k):]
			out = append(out, rest[:strings.IndexByte(rest, '"')])
		}
	}
	return out
}
