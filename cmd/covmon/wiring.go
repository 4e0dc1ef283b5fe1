package main

import (
	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/collector/httpapi"
	"github.com/covmon/covmon/collector/sqlite"
)

// The SQLite store satisfies every interface its consumers declare.
var (
	_ collector.Store         = (*sqlite.DB)(nil)
	_ collector.SnapshotStore = (*sqlite.DB)(nil)
	_ httpapi.Store           = (*sqlite.DB)(nil)
	_ collector.FiguresStore  = (*sqlite.DB)(nil)
)
