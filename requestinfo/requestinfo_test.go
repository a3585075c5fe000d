package requestinfo_test

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/requestinfo"
)

// TestClientIsTheAddressTheTrustedProxyAppended is the address rule: the
// header counts only from a trusted peer, and is read from the right,
// skipping trusted proxies; what the client wrote to the left never counts.
func TestClientIsTheAddressTheTrustedProxyAppended(t *testing.T) {
	proxies := requestinfo.MustParseNetworks("127.0.0.0/8, ::1/128, 10.0.0.0/8, 2001:db8:aa::/48")
	rd := requestinfo.New(proxies, nil)
	for _, tc := range []struct {
		name   string
		peer   string
		xff    []string // header lines, in order
		client string
	}{
		{"no header: the peer", "127.0.0.1:5000", nil, "127.0.0.1"},
		{"no header, untrusted peer", "198.51.100.7:5000", nil, "198.51.100.7"},
		{"one proxy appended the client", "127.0.0.1:5000", []string{"198.51.100.7"}, "198.51.100.7"},
		{"a spoofed leftmost entry", "127.0.0.1:5000", []string{"203.0.113.66, 198.51.100.7"}, "198.51.100.7"},
		{"several spoofed entries", "127.0.0.1:5000", []string{"1.1.1.1, 2.2.2.2,3.3.3.3, 198.51.100.7"}, "198.51.100.7"},
		{"a spoofed trusted address is still to the left", "127.0.0.1:5000", []string{"10.9.9.9, 198.51.100.7"}, "198.51.100.7"},
		{"a chain of trusted proxies", "127.0.0.1:5000", []string{"203.0.113.66, 198.51.100.7, 10.0.0.2, 10.0.0.1"}, "198.51.100.7"},
		{"a chain over several header lines", "127.0.0.1:5000", []string{"203.0.113.66", "198.51.100.7, 10.0.0.2", "10.0.0.1"}, "198.51.100.7"},
		{"every hop trusted: the request began inside", "127.0.0.1:5000", []string{"10.0.0.3, 10.0.0.2"}, "10.0.0.3"},
		{"an untrusted peer's header is ignored", "198.51.100.9:5000", []string{"203.0.113.66"}, "198.51.100.9"},
		{"a private but untrusted peer's header is ignored", "192.168.1.5:5000", []string{"203.0.113.66"}, "192.168.1.5"},
		{"IPv6 peer and client", "[::1]:5000", []string{"2001:db8::66, 2001:db8::7"}, "2001:db8::7"},
		{"IPv6 trusted proxy network", "[2001:db8:aa::1]:443", []string{"2001:db8::7, 2001:db8:aa::2"}, "2001:db8::7"},
		{"IPv4-mapped IPv6 peer", "[::ffff:10.1.2.3]:5000", []string{"198.51.100.7"}, "198.51.100.7"},
		{"IPv4-mapped IPv6 entry", "127.0.0.1:5000", []string{"::ffff:198.51.100.7"}, "198.51.100.7"},
		{"entries with ports", "127.0.0.1:5000", []string{"203.0.113.66:1, 198.51.100.7:4711"}, "198.51.100.7"},
		{"bracketed IPv6 with port", "127.0.0.1:5000", []string{"[2001:db8::7]:443"}, "2001:db8::7"},
		{"a zone is dropped", "127.0.0.1:5000", []string{"fe80::1%eth0"}, "fe80::1"},
		{"garbage left of the client does not matter", "127.0.0.1:5000", []string{"<script>, 198.51.100.7"}, "198.51.100.7"},
		{"garbage where the proxy should have written: the proxy", "10.0.0.1:5000", []string{"198.51.100.7, not-an-address"}, "10.0.0.1"},
		{"garbage behind a trusted hop: that hop", "127.0.0.1:5000", []string{"198.51.100.7, unknown, 10.0.0.2"}, "10.0.0.2"},
		{"an empty entry stops the walk", "127.0.0.1:5000", []string{"198.51.100.7,,"}, "127.0.0.1"},
		{"an empty header line", "127.0.0.1:5000", []string{""}, "127.0.0.1"},
		{"an obfuscated RFC 7239 name", "127.0.0.1:5000", []string{"_hidden"}, "127.0.0.1"},
		{"a peer that is not an address", "pipe", []string{"198.51.100.7"}, "pipe"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := rd.Client(tc.peer, tc.xff); got != tc.client {
				t.Errorf("peer %s, X-Forwarded-For %q: client %q, want %q", tc.peer, tc.xff, got, tc.client)
			}
		})
	}
}

// TestNoProxiesMeansNoHeaderCounts: without --trust-proxy (no networks, or
// no Reader at all) the client is always the peer.
func TestNoProxiesMeansNoHeaderCounts(t *testing.T) {
	for _, rd := range []*requestinfo.Reader{nil, requestinfo.New(nil, nil)} {
		if got := rd.Client("127.0.0.1:5000", []string{"203.0.113.66, 198.51.100.7"}); got != "127.0.0.1" {
			t.Errorf("client %q, want the peer", got)
		}
	}
}

// TestTrustedProxiesFlag: the flag reads CIDRs and bare addresses, and
// refuses anything else, naming the entry.
func TestTrustedProxiesFlag(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{requestinfo.Loopback, "127.0.0.0/8,::1/128", ""},
		{" 10.0.0.0/8 ,192.168.0.1, 2001:db8::/32 ", "10.0.0.0/8,192.168.0.1/32,2001:db8::/32", ""},
		{"10.1.2.3/8", "10.0.0.0/8", ""},          // host bits masked
		{"::ffff:10.0.0.0/104", "10.0.0.0/8", ""}, // IPv4-mapped read as IPv4
		{"", "", ""},                                     // none: no header is believed
		{"10.0.0.0/8,bogus", "", `"bogus"`},              // the entry at fault
		{"10.0.0.0/33", "", `"10.0.0.0/33"`},             // not a network
		{"fe80::1%eth0", "", `"fe80::1%eth0"`},           // zones name no network
		{"::ffff:0.0.0.0/64", "", `"::ffff:0.0.0.0/64"`}, // half IPv6, half IPv4
	} {
		var n requestinfo.Networks
		err := n.Set(tc.in)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("Set(%q): %v", tc.in, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("Set(%q): error %v, want one naming %s", tc.in, err, tc.err)
		case tc.err == "" && n.String() != tc.want:
			t.Errorf("Set(%q) = %s, want %s", tc.in, n, tc.want)
		}
	}
}

// TestReadSetsRequestInfoOnce: the request id a caller sends is kept and
// echoed when it is short and plain, replaced otherwise; TLS counts from
// the connection, or from X-Forwarded-Proto of a trusted proxy only.
func TestReadSetsRequestInfoOnce(t *testing.T) {
	rd := requestinfo.New(requestinfo.MustParseNetworks(requestinfo.Loopback), nil)
	for _, tc := range []struct {
		name       string
		peer       string
		header     http.Header
		tls        bool
		keepID     bool
		wantTLS    bool
		wantClient string
	}{
		{"a caller's request id is kept", "127.0.0.1:1", http.Header{"X-Request-Id": {"3f2a9c1e-7b4d-4e8f-9a0b-1c2d3e4f5a6b"}}, false, true, false, "127.0.0.1"},
		{"a trace id is kept", "127.0.0.1:1", http.Header{"X-Request-Id": {"svc.orders:42_a-b"}}, false, true, false, "127.0.0.1"},
		{"a long request id is replaced", "127.0.0.1:1", http.Header{"X-Request-Id": {strings.Repeat("a", 129)}}, false, false, false, "127.0.0.1"},
		{"odd characters are replaced", "127.0.0.1:1", http.Header{"X-Request-Id": {"id <script>"}}, false, false, false, "127.0.0.1"},
		{"no request id: one is made", "127.0.0.1:1", http.Header{}, false, false, false, "127.0.0.1"},
		{"TLS from the connection", "198.51.100.7:1", http.Header{}, true, false, true, "198.51.100.7"},
		{"TLS from a trusted proxy", "127.0.0.1:1", http.Header{"X-Forwarded-Proto": {"https"}, "X-Forwarded-For": {"198.51.100.7"}}, false, false, true, "198.51.100.7"},
		{"a trusted proxy saying http", "127.0.0.1:1", http.Header{"X-Forwarded-Proto": {"http"}}, false, false, false, "127.0.0.1"},
		{"TLS claimed by an untrusted peer", "198.51.100.7:1", http.Header{"X-Forwarded-Proto": {"https"}, "X-Forwarded-For": {"203.0.113.66"}}, false, false, false, "198.51.100.7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr, r.Header = tc.peer, tc.header
			if tc.tls {
				r.TLS = &tls.ConnectionState{}
			}
			w := httptest.NewRecorder()
			info := gatehouse.RequestInfoFrom(rd.Read(w, r))
			if info.Client != tc.wantClient || info.TLS != tc.wantTLS {
				t.Errorf("client %q TLS %v, want %q %v", info.Client, info.TLS, tc.wantClient, tc.wantTLS)
			}
			sent := tc.header.Get("X-Request-ID")
			if tc.keepID && info.RequestID != sent || !tc.keepID && (info.RequestID == sent || !strings.HasPrefix(info.RequestID, "req_")) {
				t.Errorf("request id %q (sent %q)", info.RequestID, sent)
			}
			if echoed := w.Header().Get("X-Request-ID"); echoed != info.RequestID {
				t.Errorf("echoed %q, recorded %q", echoed, info.RequestID)
			}
		})
	}
}
