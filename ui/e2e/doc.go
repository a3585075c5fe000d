// Package e2e holds the end-to-end tests of the web UI: a real Gatehouse
// server (API and UI on one handler, real SQLite, mail through the durable
// outbox into .eml files) driven by a real headless Chromium through the
// DevTools protocol. The tests also write the screenshots of docs/screenshots.
package e2e
