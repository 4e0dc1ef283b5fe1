//go:build !unix

package collector

const syscallNoFollow = 0
