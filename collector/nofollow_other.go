//go:build !unix

package collector

const (
	syscallNoFollow = 0
	syscallNonBlock = 0
)
