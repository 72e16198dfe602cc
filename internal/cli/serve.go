package cli

import (
	"fmt"
	"log/slog"
	"os"

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
  web      the JSON API and /metrics        (default 127.0.0.1:8080)
  telnet   the IoT telnet honeypot, repeatable (default :2223, :2323, :5358)
  nats     expose the embedded NATS server to remote sensors (default off)
  proxy    the gateway's HTTP/HTTPS forward proxy, repeatable (default off)
  dns      the gateway's DNS filter, UDP and TCP, repeatable (default off)`,
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
	f.StringVar(&data, "data", defaultData(), "directory where everything is kept (default $HONEYGATE_DATA, else ./honeygate-data)")
	f.StringVar(&token, "token", "", "API bearer token (default: generated on first start, kept in DATA/token)")
	f.StringVar(&natsURL, "nats", "", "external NATS server URL with JetStream (default: embedded)")
	f.StringArrayVar(&listen, "listen", nil, "NAME=ADDR listener, repeatable; NAME=off disables it")
	f.BoolVar(&logJSON, "log-json", false, "log as JSON lines instead of text")
	f.BoolVar(&private, "allow-private-upstream", false, "let the gateway proxy reach loopback, link-local and private destinations (tests, intranets)")
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
