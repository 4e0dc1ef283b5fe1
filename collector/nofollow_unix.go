//go:build unix

package collector

import (
	"os"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// syscallNonBlock keeps a FIFO swapped into the drop folder from blocking the open. (Links
// are refused by the folder type in inbox.go: os.Root would follow one that stays inside.)
const syscallNonBlock = syscall.O_NONBLOCK

// renameAt renames name in the open directory from to newName in the open directory to
// (renameat(2)): neither name is resolved through a path, and the final component of name is
// moved itself, never what it may link to.
func renameAt(from *os.File, name string, to *os.File, newName string) error {
	err := unix.Renameat(int(from.Fd()), name, int(to.Fd()), newName)
	runtime.KeepAlive(from)
	runtime.KeepAlive(to)
	if err != nil {
		return &os.LinkError{Op: "renameat", Old: name, New: newName, Err: err}
	}
	return nil
}
