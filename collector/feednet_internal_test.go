package collector

import (
	"errors"
	"net"
	"testing"
)

// TestNetPolicy_DialTime: the policy holds where the connection is made, for a name as well as
// an address: "localhost" resolves to loopback and is refused by the dialer itself (the check
// DNS rebinding cannot get round), and allowed once loopback is.
func TestNetPolicy_DialTime(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	for _, addr := range []string{ln.Addr().String(), net.JoinHostPort("localhost", port)} {
		if c, err := (NetPolicy{}).dialer().Dial("tcp4", addr); !errors.Is(err, ErrAddressRefused) {
			if c != nil {
				c.Close()
			}
			t.Errorf("dial %s with the default policy: %v, want refused", addr, err)
		}
		c, err := (NetPolicy{AllowLoopback: true}).dialer().Dial("tcp4", addr)
		if err != nil {
			t.Errorf("dial %s with loopback allowed: %v", addr, err)
			continue
		}
		c.Close()
	}
}
