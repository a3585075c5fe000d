package main

import (
	"context"

	"github.com/gatehouse/gatehouse/service"
	"github.com/gatehouse/gatehouse/store"
)

// openService opens the database at dsn (migrating it) and the service an
// operator's command works through; closeDB closes the database.
func openService(ctx context.Context, dsn string, cfg service.Config) (svc *service.Service, closeDB func() error, err error) {
	st, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, nil, err
	}
	return service.New(st, cfg), st.Close, nil
}
