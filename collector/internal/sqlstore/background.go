package sqlstore

import "context"

type backgroundKey struct{}

// Background marks ctx as a background job's (the snapshot's whole computation, the backfill,
// the alert evaluation's history walk): a store serves its reads from connections of their
// own, so that a job's long read never holds the connection an API request waits for.
func Background(ctx context.Context) context.Context {
	return context.WithValue(ctx, backgroundKey{}, true)
}

// IsBackground reports whether ctx was marked by Background.
func IsBackground(ctx context.Context) bool {
	b, _ := ctx.Value(backgroundKey{}).(bool)
	return b
}
