//go:build !unix

package collector

import (
	"os"
	"path/filepath"
)

const syscallNonBlock = 0

// renameAt renames name in directory from to newName in directory to. Without renameat(2)
// it renames by path; covmon's drop folder is meant for Unix servers.
func renameAt(from *os.File, name string, to *os.File, newName string) error {
	return os.Rename(filepath.Join(from.Name(), name), filepath.Join(to.Name(), newName))
}
