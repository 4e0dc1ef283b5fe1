//go:build unix

package collector

import "syscall"

// syscallNoFollow makes opening a symbolic link fail, so a link dropped into the inbox cannot
// make covmon read a file outside it; syscallNonBlock keeps a FIFO from blocking the open.
const (
	syscallNoFollow = syscall.O_NOFOLLOW
	syscallNonBlock = syscall.O_NONBLOCK
)
