// Command jxlgw is the JXL carrier-authorisation push gateway. Run "jxlgw serve --demo" to try it
// with the embedded JXL simulator and the demo page.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRoot().ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "jxlgw:", err)
		os.Exit(1)
	}
}
