package main

import (
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// envPrefix starts the environment variable of every flag: --log-level is JXLGW_LOG_LEVEL.
const envPrefix = "JXLGW_"

type logOptions struct {
	level  string
	format string
}

func newRoot() *cobra.Command {
	var lo logOptions
	root := &cobra.Command{
		Use:           "jxlgw",
		Short:         "WebSocket push gateway for JXL carrier authorisation",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return bindEnv(cmd.Flags())
		},
	}
	root.PersistentFlags().StringVar(&lo.level, "log-level", "info", "debug, info, warn or error")
	root.PersistentFlags().StringVar(&lo.format, "log-format", "text", "text or json")
	root.AddCommand(newServe(&lo), newSim(&lo), newVersion())
	return root
}

// bindEnv gives every flag not set on the command line the value of its JXLGW_* variable, so
// precedence is flag, then environment, then default.
func bindEnv(fs *pflag.FlagSet) error {
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed {
			return
		}
		name := envPrefix + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok {
			if serr := fs.Set(f.Name, v); serr != nil {
				err = fmt.Errorf("invalid %s: %w", name, serr)
			}
		}
	})
	return err
}

// logger is the one place that picks the logging backend; everything else is handed a logger.
func (lo *logOptions) logger() (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(lo.level)); err != nil {
		return nil, fmt.Errorf("invalid --log-level %q", lo.level)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch lo.format {
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("invalid --log-format %q: want text or json", lo.format)
}

func newVersion() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintln(cmd.OutOrStdout(), "jxlgw", version)
		},
	}
}
