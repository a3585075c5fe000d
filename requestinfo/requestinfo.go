// Package requestinfo works out, once per request and in the same way for
// the API and the web UI, where a request came from: the client's address
// (read through trusted reverse proxies only), whether it came over TLS,
// and its request id. It puts them in the context as gatehouse.RequestInfo.
package requestinfo

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"

	"github.com/gatehouse/gatehouse"
)

// Loopback is the default of --trusted-proxies: a reverse proxy on the same
// host. Private ranges are not trusted by default: a client inside them
// (an office behind a VPN) would be skipped as if it were a proxy, and the
// address it forged to its left believed.
const Loopback = "127.0.0.0/8,::1/128"

// Networks are the networks of trusted reverse proxies. As a flag.Value it
// reads "CIDR,CIDR,…"; a bare address is a network of one.
type Networks []netip.Prefix

// ParseNetworks reads "CIDR,CIDR,…", naming the entry at fault.
func ParseNetworks(s string) (Networks, error) {
	var n Networks
	for entry := range strings.SplitSeq(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		p, err := netip.ParsePrefix(entry)
		if err != nil {
			a, aerr := netip.ParseAddr(entry)
			if aerr != nil || a.Zone() != "" {
				return nil, fmt.Errorf("%q is neither a network (CIDR, e.g. 10.0.0.0/8) nor an address", entry)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if p.Addr().Is4In6() { // ::ffff:10.0.0.0/104 is 10.0.0.0/8
			if p.Bits() < 96 {
				return nil, fmt.Errorf("%q mixes IPv6 and IPv4-mapped addresses", entry)
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		n = append(n, p.Masked())
	}
	return n, nil
}

// MustParseNetworks is ParseNetworks for constants.
func MustParseNetworks(s string) Networks {
	n, err := ParseNetworks(s)
	if err != nil {
		panic(err)
	}
	return n
}

func (n *Networks) Set(s string) error {
	parsed, err := ParseNetworks(s)
	if err != nil {
		return err
	}
	*n = parsed
	return nil
}

func (n Networks) String() string {
	s := make([]string, len(n))
	for i, p := range n {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}

// contains reports whether a is in one of the networks.
func (n Networks) contains(a netip.Addr) bool {
	for _, p := range n {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// A Reader reads requests. Its zero value, and a nil one, believe no
// forwarded header: the client is the connection's peer.
type Reader struct {
	proxies Networks
	logger  *slog.Logger
	warned  atomic.Bool
}

// New returns a Reader that believes X-Forwarded-For and X-Forwarded-Proto
// from peers in proxies (none when empty). It warns through logger, once,
// when a peer outside them sends X-Forwarded-For: a proxy left out of the
// list, whose clients all look like the proxy.
func New(proxies Networks, logger *slog.Logger) *Reader {
	return &Reader{proxies: proxies, logger: logger}
}

// Read works out where r came from, echoes its request id in the
// X-Request-ID response header, and returns r's context carrying the
// gatehouse.RequestInfo.
func (rd *Reader) Read(w http.ResponseWriter, r *http.Request) context.Context {
	info := gatehouse.RequestInfo{RequestID: r.Header.Get("X-Request-ID"), TLS: r.TLS != nil}
	if !validRequestID(info.RequestID) {
		info.RequestID = gatehouse.NewID("req_")
	}
	w.Header().Set("X-Request-ID", info.RequestID)
	var trusted bool
	info.Client, trusted = rd.client(r.RemoteAddr, r.Header.Values("X-Forwarded-For"))
	if trusted && !info.TLS {
		info.TLS = forwardedHTTPS(r.Header.Get("X-Forwarded-Proto"))
	}
	return gatehouse.WithRequestInfo(r.Context(), info)
}

// Handler runs next with the request's context carrying its RequestInfo.
func (rd *Reader) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(rd.Read(w, r)))
	})
}

// Client is the client's address of a request from remoteAddr (host:port)
// carrying the X-Forwarded-For header lines forwardedFor.
//
// The header is believed only when the peer is a trusted proxy. Each proxy
// appends the address it was connected from, so the list is read from the
// right: trusted proxies are skipped, and the first address that is not
// one is the client's; anything to its left the client wrote itself. An
// entry that is not an address stops the walk at the last address known to
// be true, the nearest trusted proxy's: a client can make itself look like
// the proxy, never like someone else.
func (rd *Reader) Client(remoteAddr string, forwardedFor []string) string {
	client, _ := rd.client(remoteAddr, forwardedFor)
	return client
}

// client is Client, and whether the peer is a trusted proxy.
func (rd *Reader) client(remoteAddr string, forwardedFor []string) (string, bool) {
	host := remoteAddr
	if h, _, err := net.SplitHostPort(remoteAddr); err == nil {
		host = h
	}
	if rd == nil || len(rd.proxies) == 0 {
		return host, false
	}
	peer, ok := parseAddr(host)
	if !ok || !rd.proxies.contains(peer) {
		if len(forwardedFor) > 0 && rd.logger != nil && rd.warned.CompareAndSwap(false, true) {
			rd.logger.Warn("X-Forwarded-For from a peer outside --trusted-proxies is ignored; if it is your proxy, add its network",
				"peer", host, "trusted_proxies", rd.proxies.String())
		}
		return host, false
	}
	nearest := peer // the last address known to be true
	for i := len(forwardedFor) - 1; i >= 0; i-- {
		line := forwardedFor[i]
		for line != "" {
			entry := line
			if comma := strings.LastIndexByte(line, ','); comma >= 0 {
				entry, line = line[comma+1:], line[:comma]
			} else {
				line = ""
			}
			a, ok := parseAddr(strings.TrimSpace(entry))
			if !ok {
				return nearest.String(), true
			}
			if !rd.proxies.contains(a) {
				return a.String(), true
			}
			nearest = a
		}
	}
	// Every hop was a trusted proxy: the request began inside.
	return nearest.String(), true
}

// parseAddr reads one X-Forwarded-For entry: an address, with or without a
// port ("192.0.2.1:5000", "[2001:db8::1]:443"), IPv4-mapped IPv6 read as
// IPv4, zones dropped.
func parseAddr(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, perr := netip.ParseAddrPort(s)
		if perr != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	return a.Unmap().WithZone(""), true
}

// forwardedHTTPS reads X-Forwarded-Proto as the proxy nearest the client
// wrote it: its first value. Only a trusted proxy's counts; a client that
// claims https over plain HTTP only gets cookies its browser will not send
// back over plain HTTP.
func forwardedHTTPS(proto string) bool {
	first, _, _ := strings.Cut(proto, ",")
	return strings.EqualFold(strings.TrimSpace(first), "https")
}

// maxRequestID bounds the X-Request-ID a caller may choose.
const maxRequestID = 128

// validRequestID accepts a caller's X-Request-ID if it is short and made of
// letters, digits and -_.: only (a UUID, a trace id): it is written to the
// audit log and echoed in a header.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestID {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}
