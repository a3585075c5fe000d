package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/api"
	"github.com/gatehouse/gatehouse/authz"
	"github.com/gatehouse/gatehouse/service"
)

// A server is an http.Server on a loopback port of its own.
type server struct {
	addr string
	srv  *http.Server
}

func startServer(h http.Handler) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	go srv.Serve(ln)
	return &server{addr: ln.Addr().String(), srv: srv}, nil
}

func (s *server) close() { s.srv.Close() }

// gatehouseHandler is the real API, as `gatehouse serve` mounts it, with
// its log discarded.
func gatehouseHandler(svc *service.Service) http.Handler {
	return api.New(svc, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// checkRequest and checkResponse are the JSON of POST /api/v1/authz/check.
type checkRequest struct {
	UserID      string         `json:"user_id"`
	Permission  string         `json:"permission"`
	Resource    authz.Resource `json:"resource,omitempty"`
	MinRevision int64          `json:"min_revision,omitempty"`
}

type checkResponse struct {
	Allowed   bool           `json:"allowed"`
	Reason    string         `json:"reason"`
	GrantedBy []authz.Source `json:"granted_by"`
	OwnOnly   bool           `json:"own_only"`
	Message   string         `json:"message"`
	Revision  int64          `json:"revision"`
}

// bareHandler is the least a check endpoint can do: read the bearer token,
// decode the same request JSON (rejecting unknown fields, bounding the
// body), decide from the same snapshot and encode the same response JSON,
// with net/http and encoding/json and nothing else. Against it, the real
// API's throughput says how much of a check's cost over HTTP is Gatehouse's.
func bareHandler(snap *authz.Snapshot) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/authz/check", func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			http.Error(w, `{"error":{"code":"unauthorized","message":"no key"}}`, http.StatusUnauthorized)
			return
		}
		var req checkRequest
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			http.Error(w, `{"error":{"code":"invalid","message":"bad JSON"}}`, http.StatusBadRequest)
			return
		}
		x := snap.Explain(req.UserID, req.Permission, req.Resource)
		by := x.GrantedBy
		if by == nil {
			by = []authz.Source{}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(checkResponse{Allowed: x.Allowed, Reason: x.Reason.String(), GrantedBy: by,
			OwnOnly: x.OwnOnly, Message: x.Message, Revision: snap.Revision})
	})
	mux.HandleFunc("POST /api/v1/authz/check-batch", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Checks []checkRequest `json:"checks"`
		}
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil || len(req.Checks) == 0 || len(req.Checks) > 1000 {
			http.Error(w, `{"error":{"code":"invalid","message":"bad JSON"}}`, http.StatusBadRequest)
			return
		}
		out := struct {
			Results []checkResponse `json:"results"`
		}{make([]checkResponse, len(req.Checks))}
		for i, c := range req.Checks {
			x := snap.Explain(c.UserID, c.Permission, c.Resource)
			by := x.GrantedBy
			if by == nil {
				by = []authz.Source{}
			}
			out.Results[i] = checkResponse{Allowed: x.Allowed, Reason: x.Reason.String(), GrantedBy: by,
				OwnOnly: x.OwnOnly, Message: x.Message, Revision: snap.Revision}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out)
	})
	return mux
}

// checkRequests are the raw HTTP/1.1 requests of a set of checks, built
// once, so that the load generator spends nothing on encoding them.
func checkRequests(host, key string, qs []query) [][]byte {
	out := make([][]byte, len(qs))
	for i, q := range qs {
		body, _ := json.Marshal(checkRequest{UserID: q.user, Permission: q.perm, Resource: q.res})
		out[i] = rawRequest("POST", host, "/api/v1/authz/check", key, body)
	}
	return out
}

func rawRequest(method, host, path, key string, body []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n",
		method, path, host, key, len(body))
	b.Write(body)
	return b.Bytes()
}

// A loadResult is what a load run measured.
type loadResult struct {
	requests int64
	seconds  float64
	latency  []float64 // milliseconds, sorted, of a sample of requests
}

func (r loadResult) rps() float64 { return float64(r.requests) / r.seconds }

// load sends requests over conns keep-alive connections, each waiting for
// its response before sending the next, for d. It writes prepared bytes and
// reads responses with http.ReadResponse: a lean client, so that the
// servers' costs, not the client's, make the difference.
func load(ctx context.Context, addr string, reqs [][]byte, conns int, d time.Duration) (loadResult, error) {
	var total atomic.Int64
	var mu sync.Mutex
	var sample []time.Duration
	errs := make(chan error, conns)
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				errs <- err
				return
			}
			defer conn.Close()
			br := bufio.NewReaderSize(conn, 16<<10)
			var mine []time.Duration
			n := int64(0)
			for i := c * 7919; time.Now().Before(deadline) && ctx.Err() == nil; i++ {
				t0 := time.Now()
				if _, err := conn.Write(reqs[i%len(reqs)]); err != nil {
					errs <- err
					return
				}
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					errs <- err
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					errs <- fmt.Errorf("status %d", resp.StatusCode)
					return
				}
				n++
				if n%16 == 0 {
					mine = append(mine, time.Since(t0))
				}
			}
			total.Add(n)
			mu.Lock()
			sample = append(sample, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return loadResult{}, err
	}
	return loadResult{requests: total.Load(), seconds: time.Since(start).Seconds(), latency: millis(sample)}, nil
}

// A client calls the API over one keep-alive connection, one request at a
// time, and times each call.
type client struct {
	base, key string
	hc        *http.Client
}

func newClient(addr, key string) *client {
	return &client{base: "http://" + addr, key: key,
		hc: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true}}}
}

// call sends a request with a JSON body (when in is not nil), decodes the
// JSON answer into out (when not nil) and returns how long it took and the
// response's headers.
func (c *client) call(method, path string, in, out any) (time.Duration, http.Header, error) {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return 0, nil, err
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	took := time.Since(start)
	if err != nil {
		return 0, nil, err
	}
	if resp.StatusCode/100 != 2 {
		return 0, nil, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return 0, nil, fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return took, resp.Header, nil
}
