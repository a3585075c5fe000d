// Package metrics exposes Gatehouse's Prometheus metrics: requests by route,
// status and duration, and the state of the decision engine, on their own
// listener (serve --metrics-addr), away from the public API.
package metrics

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Engine is what the metrics read of the decision engine.
type Engine interface {
	Reloads() int64
	Loaded() []string
}

// Metrics holds a registry of its own (no global state) with Go's and the
// process's collectors, the request metrics and the engine's.
type Metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// New registers the metrics; engine may be nil.
func New(engine Engine) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_http_requests_total",
			Help: "HTTP requests answered, by method, route and status code.",
		}, []string{"method", "route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gatehouse_http_request_duration_seconds",
			Help: "Time to answer an HTTP request, by method and route.",
			// From a check answered from memory to a slow write.
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"method", "route"}),
	}
	m.registry.MustRegister(m.requests, m.duration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if engine != nil {
		m.registry.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "gatehouse_snapshot_reloads_total",
				Help: "Whole-organization compiles of the decision engine (on first use, or when an instance fell behind); single writes apply without one.",
			}, func() float64 { return float64(engine.Reloads()) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "gatehouse_organizations_loaded",
				Help: "Organizations whose snapshot this instance holds in memory.",
			}, func() float64 { return float64(len(engine.Loaded())) }),
		)
	}
	return m
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// Middleware counts and times every request that next answers.
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := NewRecorder(w)
		next.ServeHTTP(rec, r)
		route := Route(r.URL.Path)
		if rec.Status == http.StatusNotFound || rec.Status == http.StatusMethodNotAllowed {
			route = "unmatched" // any path at all: not a label value
		}
		m.requests.WithLabelValues(r.Method, route, strconv.Itoa(rec.Status)).Inc()
		m.duration.WithLabelValues(r.Method, route).Observe(time.Since(start).Seconds())
	})
}

// Route is a request path with its ids (usr_…, grp_…, fac_…: a prefix, an
// underscore and at least 20 letters and digits) as {id}, so that a label
// names a route, not a record.
func Route(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if isID(p) {
			parts[i] = "{id}"
		}
	}
	return strings.Join(parts, "/")
}

func isID(s string) bool {
	prefix, rest, ok := strings.Cut(s, "_")
	if !ok || prefix == "" || len(prefix) > 4 || len(rest) < 20 {
		return false
	}
	for _, c := range prefix + rest {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// A Recorder is a ResponseWriter that remembers the status it answered
// with, for metrics and request logs.
type Recorder struct {
	http.ResponseWriter
	Status int
}

// NewRecorder wraps w; a handler that never calls WriteHeader answered 200.
func NewRecorder(w http.ResponseWriter) *Recorder {
	return &Recorder{ResponseWriter: w, Status: http.StatusOK}
}

func (r *Recorder) WriteHeader(status int) {
	r.Status = status
	r.ResponseWriter.WriteHeader(status)
}

// Unwrap lets http.ResponseController reach the connection (flushes,
// deadlines) through the recorder.
func (r *Recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
