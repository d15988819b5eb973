package http

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientAddress is the address of the client a request comes from. The
// connection's peer is the client unless the peer is a trusted proxy; then
// the proxy's forwarding header is read from the right (each proxy appends
// the address it received the request from) and the first address that is
// not itself a trusted proxy is the client. Whatever a client wrote in the
// header sits to the left of that and is never reached. A header that
// cannot be read, or one that names only trusted proxies, leaves the
// nearest trustworthy address.
func clientAddress(r *http.Request, trusted []netip.Prefix, header string) string {
	peer := peerAddr(r.RemoteAddr)
	if !peer.IsValid() {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		return host
	}
	if len(trusted) == 0 || !inPrefixes(peer, trusted) {
		return peer.String()
	}
	hops := forwardedHops(r.Header, header)
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseHop(hops[i])
		if !ok {
			break
		}
		client = a
		if !inPrefixes(a, trusted) {
			break
		}
	}
	return client.String()
}

// peerAddr is the connection's address; a request not from a network
// connection (a test's recorder) keeps what RemoteAddr says.
func peerAddr(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap().WithZone("")
}

func inPrefixes(a netip.Addr, ps []netip.Prefix) bool {
	if !a.IsValid() {
		return false
	}
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// forwardedHops lists the addresses of the chosen header, in order, over
// all its lines.
func forwardedHops(h http.Header, header string) []string {
	var hops []string
	if strings.EqualFold(header, "Forwarded") {
		// Forwarded: for=192.0.2.60;proto=https, for="[2001:db8::1]:4711"
		for _, line := range h.Values("Forwarded") {
			for _, elem := range strings.Split(line, ",") {
				var hop string
				for _, pair := range strings.Split(elem, ";") {
					k, v, _ := strings.Cut(strings.TrimSpace(pair), "=")
					if strings.EqualFold(k, "for") {
						hop = strings.Trim(v, `"`)
					}
				}
				hops = append(hops, hop)
			}
		}
		return hops
	}
	for _, line := range h.Values("X-Forwarded-For") {
		for _, hop := range strings.Split(line, ",") {
			hops = append(hops, strings.TrimSpace(hop))
		}
	}
	return hops
}

// parseHop reads one forwarded address: a bare IPv4 or IPv6 address, or
// either with a port ("192.0.2.1:80", "[2001:db8::1]:80").
func parseHop(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone(""), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	if a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")); err == nil {
		return a.Unmap().WithZone(""), true
	}
	return netip.Addr{}, false
}

// ParseTrustedProxies reads a comma-separated list of CIDR ranges or single
// addresses ("10.0.0.0/8, 192.0.2.7, ::1").
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, err
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}
