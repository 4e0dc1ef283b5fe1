package collector

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
)

// NetPolicy is the address policy for pulled feeds. A feed URL is written by an operator, but
// what answers it (and where it redirects, and what its name resolves to) is the carrier's or
// anyone's who controls DNS: without a policy a feed could make covmon fetch a cloud metadata
// address or a service on the server itself and store what came back in a carrier-readable
// report. The policy is enforced when a connection is dialled (net.Dialer.Control sees the
// address actually connected to, after DNS, so rebinding a name cannot bypass it) and, for
// clear messages, on the URL itself.
//
// Always refused: the unspecified address (0.0.0.0, ::), multicast and broadcast. Refused
// unless allowed: loopback (127.0.0.0/8, ::1, the name "localhost") and link-local
// (169.254.0.0/16 — cloud metadata lives at 169.254.169.254 — and fe80::/10). Private ranges
// (10/8, 172.16/12, 192.168/16, fc00::/7) are allowed: carriers may publish feeds on a private
// network.
type NetPolicy struct {
	AllowLoopback  bool
	AllowLinkLocal bool
}

// ErrAddressRefused is returned for a feed address the NetPolicy refuses.
var ErrAddressRefused = errors.New("address refused by the feed network policy")

// CheckAddr returns an error wrapping ErrAddressRefused when a connection to a may not be made.
func (p NetPolicy) CheckAddr(a netip.Addr) error {
	a = a.Unmap()
	switch {
	case !a.IsValid():
		return fmt.Errorf("%w: no address", ErrAddressRefused)
	case a.IsUnspecified(), a.IsMulticast(), a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return fmt.Errorf("%w: %s is unspecified, multicast or broadcast", ErrAddressRefused, a)
	case a.IsLoopback() && !p.AllowLoopback:
		return fmt.Errorf("%w: %s is loopback (collector.feed_network.allow_loopback)", ErrAddressRefused, a)
	case (a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast()) && !p.AllowLinkLocal:
		return fmt.Errorf("%w: %s is link-local, where cloud metadata services answer (collector.feed_network.allow_link_local)", ErrAddressRefused, a)
	}
	return nil
}

// CheckURL checks a feed URL: http or https, a host, and — when the host is an address or
// "localhost" — an address the policy allows. (A name is checked when it is dialled.)
func (p NetPolicy) CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("not a URL: %w", redactErr(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errors.New("want an http or https URL")
	}
	return p.checkHost(u)
}

func (p NetPolicy) checkHost(u *url.URL) error {
	host := u.Hostname()
	if host == "" {
		return errors.New("the URL has no host")
	}
	if a, err := netip.ParseAddr(strings.TrimSuffix(host, ".")); err == nil {
		return p.CheckAddr(a)
	}
	if h := strings.ToLower(strings.TrimSuffix(host, ".")); (h == "localhost" || strings.HasSuffix(h, ".localhost")) && !p.AllowLoopback {
		return fmt.Errorf("%w: %s is loopback (collector.feed_network.allow_loopback)", ErrAddressRefused, host)
	}
	return nil
}

// control is a net.Dialer.Control: it sees the address about to be connected to.
func (p NetPolicy) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %q", ErrAddressRefused, address)
	}
	return p.CheckAddr(ap.Addr())
}

// dialer returns a dialer that refuses what p refuses.
func (p NetPolicy) dialer() *net.Dialer {
	return &net.Dialer{Timeout: 30e9, KeepAlive: 30e9, Control: p.control}
}

// RedactURL returns raw with its credentials replaced: the user information (user and
// password: either may be a token) and every query value. Use it for every URL that reaches
// a log line, an error or a report.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	if u.User == nil && u.RawQuery == "" && u.Fragment == "" {
		return raw
	}
	return redactURL(u)
}

func redactURL(u *url.URL) string {
	c := *u
	if c.User != nil {
		c.User = url.User("xxxxx")
	}
	if c.RawQuery != "" {
		q := c.Query()
		for k := range q {
			q[k] = []string{"xxxxx"}
		}
		c.RawQuery = q.Encode()
	}
	c.Fragment, c.RawFragment = "", ""
	return c.String()
}

// redactErr replaces the URL in a *url.Error (which net/http returns, and which names the URL
// with its query) by its redacted form.
func redactErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = RedactURL(ue.URL)
	}
	return err
}
