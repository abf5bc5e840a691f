package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/jxlgw/jxlgw/jxlclient/jxlsim"
	"github.com/spf13/cobra"
)

func newSim(lo *logOptions) *cobra.Command {
	var addr, org string
	var delay time.Duration
	var slow int
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Run the JXL simulator alone",
		Long: "Run the JXL simulator: a real HTTP server speaking JXL's wire format, scripted by " +
			"the service password (pass_good, pass_bad, pass_query, ...; see the README).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := lo.logger()
			if err != nil {
				return err
			}
			s := jxlsim.New(jxlsim.Config{Org: org, Delay: delay, SlowRunning: slow})
			defer s.Close()
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			log.Info("jxl simulator listening", "url", "http://"+ln.Addr().String(), "org", org)
			return serveUntil(cmd.Context(), ln, s)
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8090", "listen address")
	f.StringVar(&org, "org", "demo_org", "the org account the simulator accepts")
	f.DurationVar(&delay, "delay", 800*time.Millisecond, "how long a v2 collect call blocks")
	f.IntVar(&slow, "slow-running", 3, "RUNNING answers pass_slow gives before 10002")
	return cmd
}

// startSim runs the simulator on a free loopback port and returns its URL and a stop function
// that shuts it down and waits for it.
func startSim(log *slog.Logger, org string, delay time.Duration) (string, func(), error) {
	s := jxlsim.New(jxlsim.Config{Org: org, Delay: delay})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	url := "http://" + ln.Addr().String()
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.Serve(ln)
	}()
	log.Info("embedded jxl simulator", "url", url)

	stop := func() {
		s.Close() // ends hanging requests first, so Shutdown does not wait for them
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
		<-served
	}
	return url, stop, nil
}

// serveUntil serves h on ln until ctx ends.
func serveUntil(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	serving, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		select {
		case <-ctx.Done():
		case <-serving:
		}
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	err := srv.Serve(ln)
	close(serving)
	<-stopped
	if !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
