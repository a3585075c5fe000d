package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	gatehouseserver "github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/service"
)

// An instance is one Gatehouse server on the PostgreSQL database, built
// and run by internal/server as `gatehouse serve` runs it: its own store,
// its own LISTEN connection, its lease (docs/architecture.md).
type instance struct {
	svc  *service.Service
	addr string // host:port
	stop context.CancelFunc
	done chan error
}

// startInstances starts n instances on db, one after the other, each
// once it answers /readyz (it holds its lease). stop ends them all.
func startInstances(ctx context.Context, db, dir string, n int) (insts []*instance, stop func(), err error) {
	stop = func() {
		for _, in := range insts {
			in.stop()
		}
		for _, in := range insts {
			<-in.done
		}
	}
	for i := range n {
		ictx, cancel := context.WithCancel(ctx)
		in := &instance{stop: cancel, done: make(chan error, 1)}
		ready := make(chan gatehouseserver.Running, 1)
		cfg := gatehouseserver.Config{
			Addr:     "127.0.0.1:0",
			DB:       db,
			MailDir:  filepath.Join(dir, fmt.Sprintf("mail-%d", i+1)),
			MailFrom: "Gatehouse bench <bench@localhost>",
			Logger:   slog.New(slog.DiscardHandler),
		}
		go func() {
			in.done <- gatehouseserver.Run(ictx, cfg, func(r gatehouseserver.Running) error { ready <- r; return nil })
		}()
		select {
		case r := <-ready:
			in.svc, in.addr = r.Service, strings.TrimPrefix(r.URL, "http://")
		case err := <-in.done:
			cancel()
			stop()
			return nil, nil, fmt.Errorf("instance %d: %w", i+1, err)
		}
		insts = append(insts, in)
		if err := waitReady(ctx, in.addr); err != nil {
			stop()
			return nil, nil, fmt.Errorf("instance %d: %w", i+1, err)
		}
	}
	return insts, stop, nil
}

// waitReady polls GET /readyz until it answers 200, for up to 30 s.
func waitReady(ctx context.Context, addr string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return errors.New("not ready after 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// propagation returns a function that, called at once after a write of
// revision to orgID was acknowledged, waits (polling tightly) until every
// other instance's snapshot of the organization is at that revision or
// later, and returns how long that took from the call. An instance that
// does not hold the organization counts as up to date: it loads the
// current state on first use.
//
// It also says whether every instance was there at the first look.
func propagation(others []*instance, orgID string) func(revision int64) (time.Duration, bool, error) {
	return func(revision int64) (time.Duration, bool, error) {
		start := time.Now()
		first := true
		for _, in := range others {
			for {
				r, held := in.svc.Engine().Revision(orgID)
				if !held || r >= revision {
					break
				}
				if time.Since(start) > 10*time.Second {
					return 0, false, fmt.Errorf("instance at %s still at revision %d, 10 s after revision %d was acknowledged", in.addr, r, revision)
				}
				first = false
				runtime.Gosched()
			}
		}
		return time.Since(start), first, nil
	}
}
