package dns

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	mdns "github.com/miekg/dns"
)

// upstream forwards questions to the configured resolvers in order, with
// concurrent identical questions folded into one exchange.
type upstream struct {
	addrs []string
	udp   *mdns.Client
	tcp   *mdns.Client

	mu       sync.Mutex
	inflight map[cacheKey]*call
}

type call struct {
	done chan struct{}
	msg  *mdns.Msg
	err  error
}

var errNoUpstream = errors.New("no upstream resolver configured")

func newUpstream(addrs []string) *upstream {
	return &upstream{
		addrs:    addrs,
		udp:      &mdns.Client{Net: "udp", Timeout: 2 * time.Second, UDPSize: 1232},
		tcp:      &mdns.Client{Net: "tcp", Timeout: 4 * time.Second},
		inflight: map[cacheKey]*call{},
	}
}

// resolve asks the upstreams the question k; the answer is shared by all
// concurrent callers and must not be mutated.
func (u *upstream) resolve(ctx context.Context, k cacheKey) (*mdns.Msg, error) {
	u.mu.Lock()
	if c, ok := u.inflight[k]; ok {
		u.mu.Unlock()
		select {
		case <-c.done:
			return c.msg, c.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	c := &call{done: make(chan struct{})}
	u.inflight[k] = c
	u.mu.Unlock()

	c.msg, c.err = u.exchange(ctx, k)
	u.mu.Lock()
	delete(u.inflight, k)
	u.mu.Unlock()
	close(c.done)
	return c.msg, c.err
}

func (u *upstream) exchange(ctx context.Context, k cacheKey) (*mdns.Msg, error) {
	if len(u.addrs) == 0 {
		return nil, errNoUpstream
	}
	q := new(mdns.Msg)
	q.SetQuestion(k.name, k.qtype)
	q.Question[0].Qclass = k.qclass
	q.RecursionDesired = true
	q.CheckingDisabled = k.cd
	q.SetEdns0(1232, k.do)
	var errs []error
	for _, a := range u.addrs {
		r, _, err := u.udp.ExchangeContext(ctx, q, a)
		if err == nil && r.Truncated {
			r, _, err = u.tcp.ExchangeContext(ctx, q, a)
		}
		if err == nil && !sameQuestion(r, q) {
			err = fmt.Errorf("%s answered another question", a)
		}
		if err == nil && r.Rcode != mdns.RcodeServerFailure && r.Rcode != mdns.RcodeRefused {
			scrub(r, k.name, k.qtype)
			return r, nil
		}
		if err == nil {
			err = fmt.Errorf("%s answered %s", a, mdns.RcodeToString[r.Rcode])
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

// sameQuestion reports whether answer r is for question q (the library
// checks only the id).
func sameQuestion(r, q *mdns.Msg) bool {
	return len(r.Question) == 1 && r.Question[0].Qtype == q.Question[0].Qtype &&
		r.Question[0].Qclass == q.Question[0].Qclass && strings.EqualFold(r.Question[0].Name, q.Question[0].Name)
}
