package sqlstore

import (
	"fmt"
	"path"
	"strings"
)

// RefuseNewer fails when applied (the names schema_migrations records) holds a migration that
// is not among known (this binary's embedded files; both lists compared by base name): a newer
// covmon migrated the database. Serving it would run this binary's rules on a schema it does
// not know — and with several instances on one database, an older one restarted after the
// others were upgraded could take the lead and evaluate and deliver alerts by its older rules.
func RefuseNewer(applied, known []string) error {
	have := make(map[string]bool, len(known))
	for _, n := range known {
		have[path.Base(n)] = true
	}
	var unknown []string
	for _, n := range applied {
		if !have[path.Base(n)] {
			unknown = append(unknown, path.Base(n))
		}
	}
	if len(unknown) > 0 {
		return fmt.Errorf("the database was migrated by a newer covmon (migrations %s, which this covmon does not know): run the newer version (every instance sharing the database runs the same one)",
			strings.Join(unknown, ", "))
	}
	return nil
}
