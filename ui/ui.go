// Package ui is Gatehouse's admin web UI: server-rendered pages from
// embedded html/template files, plain forms that work without JavaScript, a
// little progressive enhancement in one static script, and a strict
// Content-Security-Policy (no inline scripts or styles).
package ui

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"

	"github.com/gatehouse/gatehouse/requestinfo"
	"github.com/gatehouse/gatehouse/service"
)

//go:embed templates static
var files embed.FS

// contentSecurityPolicy allows only this server's own scripts, styles and
// images, and no framing.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// UI serves the web pages.
type UI struct {
	svc        *service.Service
	logger     *slog.Logger
	pages      *engine
	assets     map[string]string   // logical name → content-hashed URL
	assetFiles map[string]string   // content-hashed file name → embedded path
	requests   *requestinfo.Reader // where requests come from
}

// An Option changes how the UI reads requests.
type Option func(*UI)

// RequestInfo reads where requests come from with rd, which says which
// reverse proxies' X-Forwarded-For and X-Forwarded-Proto to believe; the
// API shares it. Without it, no forwarded header is believed.
func RequestInfo(rd *requestinfo.Reader) Option { return func(u *UI) { u.requests = rd } }

// New returns the web UI as an http.Handler. It fails loudly at start if a
// template does not parse.
func New(svc *service.Service, logger *slog.Logger, opts ...Option) (http.Handler, error) {
	u := &UI{svc: svc, logger: logger, assets: map[string]string{}, assetFiles: map[string]string{}}
	for _, opt := range opts {
		opt(u)
	}
	if err := u.hashAssets(); err != nil {
		return nil, err
	}
	pages, err := newEngine(u.assets)
	if err != nil {
		return nil, err
	}
	u.pages = pages
	mux := http.NewServeMux()
	u.routes(mux)
	return u.requests.Handler(u.secureHeaders(protectForms(mux))), nil
}

// hashAssets names each static file by its content, so that it can be
// cached for ever and a new release is fetched at once.
func (u *UI) hashAssets() error {
	return fs.WalkDir(files, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		name := path.Base(p)
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:6]) + ext
		u.assets[name] = "/static/" + hashed
		u.assetFiles[hashed] = p
		return nil
	})
}

func (u *UI) serveAsset(w http.ResponseWriter, r *http.Request) {
	p, ok := u.assetFiles[r.PathValue("file")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeFileFS(w, r, files, p)
}

// secureHeaders sets the headers every page carries.
func (u *UI) secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// protectForms refuses cross-origin form posts: a session cookie cannot be
// ridden by another site.
func protectForms(next http.Handler) http.Handler {
	p := http.NewCrossOriginProtection()
	p.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "Cross-origin form posts are refused.", http.StatusForbidden)
	}))
	return p.Handler(next)
}
