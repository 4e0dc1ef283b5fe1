package collector

import (
	"context"

	"github.com/covmon/covmon/collector/internal/sqlstore"
)

// Background marks ctx as a background job's: the stores serve its reads from a pool of
// connections of their own (collector/sqlite: BackgroundConns), so that the long reads of the
// jobs (a whole computation of the snapshot, the backfill, the alert evaluation's history
// walk) never hold the connections an API request needs, and a page of villages is read while
// they run. The Runner marks its jobs; covmon serve marks the alert loops.
func Background(ctx context.Context) context.Context { return sqlstore.Background(ctx) }
