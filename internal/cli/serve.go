package cli

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/honeygate/honeygate/internal/app"
	"github.com/honeygate/honeygate/internal/config"
)

func newServe() *cobra.Command {
	var (
		cfgPath string
		data    string
		token   string
		natsURL string
		listen  []string
		logJSON bool
		private bool
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run every enabled sensor, the bus, the store and the API",
		Long: `Run honeygate: every enabled sensor, the event bus (embedded NATS JetStream
unless --nats is given), the store (SQLite under --data) and the web API.

Listeners (--listen NAME=ADDR, repeatable; NAME=off disables one):
` + listenerHelp(),
		Example: `  honeygate serve
  honeygate serve --data /var/lib/honeygate --listen telnet=:2223 --listen telnet=:2323
  honeygate serve --config /etc/honeygate.yaml --nats nats://10.0.0.5:4222`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := config.Default()
			if cfgPath != "" {
				var err error
				if cfg, err = config.Load(cfgPath); err != nil {
					return fmt.Errorf("%s:\n%w", cfgPath, err)
				}
			}
			// Flags win over the file.
			f := cmd.Flags()
			if f.Changed("data") || (cfgPath == "" && os.Getenv("HONEYGATE_DATA") != "") {
				cfg.Data = data
			}
			if f.Changed("token") {
				cfg.Token = token
			}
			if f.Changed("nats") {
				cfg.NATS = natsURL
			}
			if f.Changed("allow-private-upstream") {
				cfg.Gateway.AllowPrivateUpstream = private
				cfg.Crawl.AllowPrivateUpstream = private
			}
			if err := cfg.SetListen(listen); err != nil {
				return err
			}
			if err := cfg.Validate(); err != nil {
				return fmt.Errorf("invalid configuration:\n%w", err)
			}
			log := newLogger(cfg.LogLevel, logJSON)
			a := app.New(cfg, log, cmd.OutOrStdout())
			if err := a.Start(cmd.Context()); err != nil {
				return err
			}
			select {
			case <-cmd.Context().Done():
				log.Info("stopping")
			case err := <-a.Err():
				log.Error("stopping after a fatal error", "err", err)
				a.Close()
				return err
			}
			return a.Close()
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfgPath, "config", "", "YAML config file (flags win over it)")
	f.StringVar(&data, "data", defaultData(), "directory where everything is kept ($HONEYGATE_DATA when set)")
	f.StringVar(&token, "token", "", "API bearer token (default: generated on first start, kept in DATA/token)")
	f.StringVar(&natsURL, "nats", "", "external NATS server URL with JetStream (default: embedded)")
	f.StringArrayVar(&listen, "listen", nil, "NAME=ADDR listener, repeatable; NAME=off disables it")
	f.BoolVar(&logJSON, "log-json", false, "log as JSON lines instead of text")
	f.BoolVar(&private, "allow-private-upstream", false, "let the gateway proxy and the crawler reach loopback, link-local and private destinations (tests, intranets)")
	return cmd
}

func newLogger(level string, asJSON bool) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: l}
	if asJSON {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

// listenerHelp lists the listeners the components declare, with their
// defaults, for serve --help.
func listenerHelp() string {
	c := config.Default()
	var b strings.Builder
	for _, l := range c.ListenerSpecs() {
		def := "off"
		if len(l.Default) > 0 {
			bound := make([]string, len(l.Default))
			for i, a := range l.Default {
				bound[i] = boundAs(a)
			}
			def = strings.Join(bound, ", ")
		}
		net := ""
		if l.Net != "tcp" {
			net = ", " + l.Net
		}
		rep := ""
		if l.Repeatable {
			rep = ", repeatable"
		}
		fmt.Fprintf(&b, "  %-18s %s%s%s (default %s)\n", l.Name, l.Help, net, rep, def)
	}
	b.WriteString("  ([::] is every IPv6 and IPv4 address: 0.0.0.0, :: and an empty host bind it; 0.0.0.0 on a host without IPv6)")
	return b.String()
}

// boundAs is the address a listener on addr is bound to, as the log and
// listeners.json show it: Go listens on any wildcard host (0.0.0.0, ::,
// none) with one dual-stack socket, [::], which takes IPv4 as well. Help
// that said 0.0.0.0 would hide that IPv6 is open too.
func boundAs(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip, err := netip.ParseAddr(host); host == "" || (err == nil && ip.IsUnspecified()) {
		return net.JoinHostPort("::", port)
	}
	return addr
}
