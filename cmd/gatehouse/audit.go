package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

func runAudit(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "audit export --org ID [--format ndjson|csv] [--since RFC3339] [--until RFC3339] [--db DSN]",
		"Writes an organization's audit log to stdout, newest first, one event per line (ndjson) or row (csv).")
	org := fs.String("org", "", "organization id (required)")
	format := fs.String("format", "ndjson", "ndjson or csv")
	since := fs.String("since", "", "only events at or after this time (RFC 3339)")
	until := fs.String("until", "", "only events before this time (RFC 3339)")
	db := dbFlag(fs)
	if len(args) == 0 || args[0] != "export" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fs.Usage()
			return errHelp
		}
		fs.Usage()
		return errUsage
	}
	if err := parse(env, fs, args[1:]); err != nil {
		return err
	}
	if *org == "" {
		return errors.New("--org is required")
	}
	filter := gatehouse.AuditFilter{Limit: 500}
	for _, t := range []struct {
		flag string
		into *time.Time
	}{{*since, &filter.Since}, {*until, &filter.Until}} {
		if t.flag == "" {
			continue
		}
		v, err := time.Parse(time.RFC3339, t.flag)
		if err != nil {
			return fmt.Errorf("bad time %q: use RFC 3339, e.g. 2026-01-31T00:00:00Z", t.flag)
		}
		*t.into = v
	}
	var write func(*gatehouse.AuditEvent) error
	var flush func() error
	switch *format {
	case "ndjson":
		enc := json.NewEncoder(env.stdout)
		write = func(e *gatehouse.AuditEvent) error { return enc.Encode(auditRecord(e)) }
		flush = func() error { return nil }
	case "csv":
		w := csv.NewWriter(env.stdout)
		if err := w.Write([]string{"id", "at", "actor_type", "actor_id", "api_key_id", "action", "target_type", "target_id", "client", "request_id", "changes"}); err != nil {
			return err
		}
		write = func(e *gatehouse.AuditEvent) error {
			changes, _ := json.Marshal(e.Changes)
			return w.Write([]string{e.ID, e.At.Format(time.RFC3339Nano), e.ActorType, e.ActorID, e.APIKeyID, e.Action, e.TargetType, e.TargetID, e.Client, e.RequestID, string(changes)})
		}
		flush = func() error { w.Flush(); return w.Error() }
	default:
		return fmt.Errorf("--format must be ndjson or csv, not %q", *format)
	}
	svc, closeDB, err := openService(ctx, *db, service.Config{})
	if err != nil {
		return err
	}
	defer closeDB()
	for {
		events, err := svc.AuditEvents(ctx, gatehouse.SystemActor(*org), filter)
		if err != nil {
			return err
		}
		for _, e := range events {
			if err := write(e); err != nil {
				return err
			}
		}
		if len(events) < filter.Limit {
			return flush()
		}
		filter.Before = events[len(events)-1].ID
	}
}

// auditRecord is an event as exported: the API's field names.
func auditRecord(e *gatehouse.AuditEvent) map[string]any {
	return map[string]any{"id": e.ID, "at": e.At, "actor_type": e.ActorType, "actor_id": e.ActorID, "api_key_id": e.APIKeyID,
		"action": e.Action, "target_type": e.TargetType, "target_id": e.TargetID, "client": e.Client, "request_id": e.RequestID, "changes": e.Changes}
}
