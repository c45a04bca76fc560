package scaleout

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/basiq-worker/basiq-worker/config"
	"github.com/basiq-worker/basiq-worker/internal/app"
	"github.com/basiq-worker/basiq-worker/worker/schedule"
	"github.com/rs/zerolog"
)

// childEnv, when set, makes the test binary a worker process (runChild)
// instead of running the tests: the crash tests start real processes.
const childEnv = "SCALEOUT_WORKER_CHILD"

// runChild is a worker process as basiq-worker wires it, configured from
// the environment, with the refresh scheduler re-reading the schedules
// every second. It prints "ready" once started and runs until SIGTERM.
func runChild() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	cfg, err := config.LoadWorker(os.LookupEnv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	rdb := cfg.RedisClient()
	defer rdb.Close()
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	log := zerolog.New(os.Stderr).Level(cfg.ZerologLevel()).With().Timestamp().Int("pid", os.Getpid()).Logger()
	p, err := app.New(app.Options{Redis: rdb, Worker: cfg.Config, Logger: log, Listener: ln,
		Schedule: schedule.Options{SyncInterval: time.Second}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("ready")
	if err := p.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
