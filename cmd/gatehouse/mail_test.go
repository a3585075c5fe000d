package main

import (
	"bytes"
	"database/sql"
	"fmt"
	"net/http"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testsupport"
)

// TestMailThroughCrashesDeliversEveryInvitation: the promise of
// docs/operations.md's Mail section, from outside. Three `gatehouse serve`
// processes share one PostgreSQL database and one --mail-dir, with the
// shortest claim serve takes (11 s). Invitations are sent through the API,
// spread over the instances, while one instance after another is SIGKILLed
// (at once, then every 0.4 s) and restarted; then the survivors drain the outbox. Every
// invitation's mail is delivered, with its recipient and an invitation
// link; none is lost; and a message delivered more than once is the same
// message again, under the same Message-ID.
//
// The .eml writer names a file by its message's id, so a repeat would
// replace the first file unseen: a collector moves each delivered file out
// of the folder as it appears, so that a repeat makes a file of its own and
// is counted (a repeat landing before the collector has moved the first is
// still missed: the count of duplicates is a lower bound).
func TestMailThroughCrashesDeliversEveryInvitation(t *testing.T) {
	c := newCluster(t, 3, "--mail-claim", "11s")
	invitations := 300
	if testing.Short() && os.Getenv("CI") == "" {
		invitations = 60
	}
	delivered := filepath.Join(c.dir, "delivered")
	if err := os.MkdirAll(delivered, 0o700); err != nil {
		t.Fatal(err)
	}

	// The collector: each mail_….eml moved out as delivery n.
	var collected int
	collect := func() {
		files, _ := filepath.Glob(filepath.Join(c.mailDir(), "mail_*.eml"))
		for _, f := range files {
			to := filepath.Join(delivered, fmt.Sprintf("%s.%06d", filepath.Base(f), collected))
			if err := os.Rename(f, to); err == nil {
				collected++
			} else if !os.IsNotExist(err) {
				t.Errorf("collecting %s: %v", f, err)
			}
		}
	}
	stopCollector, collectorDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(collectorDone)
		for {
			select {
			case <-stopCollector:
				collect() // the last sweep, after the outbox is empty
				return
			case <-time.After(5 * time.Millisecond):
				collect()
			}
		}
	}()

	// The killer: at once and then every 0.4 s, while invitations go on, one ready
	// instance is killed (never the last one ready) and restarted.
	var restarts sync.WaitGroup
	stopKiller, killerDone := make(chan struct{}), make(chan struct{})
	kills := 0
	go func() {
		defer close(killerDone)
		tick := time.NewTicker(400 * time.Millisecond)
		defer tick.Stop()
		for first := true; ; first = false {
			if !first {
				select {
				case <-stopKiller:
					return
				case <-tick.C:
				}
			}
			ready := c.alive(kills, false)
			if len(ready) < 2 {
				continue
			}
			victim := ready[0]
			kills++
			c.kill(t, victim)
			restarts.Add(1)
			go func() {
				defer restarts.Done()
				c.start(t, victim)
			}()
		}
	}()

	// The invitations, by four clients, each sent to the next instance up
	// and repeated until acknowledged: 201, or 409 when an earlier try went
	// through but its answer was lost with the instance.
	email := func(i int) string { return fmt.Sprintf("mailkill-%04d@acme.test", i) }
	var mu sync.Mutex
	acked := make([]int, len(c.addrs))
	retried := map[int]int{} // failed tries by status (0: no answer)
	conflicts := 0
	next := make(chan int)
	var clients sync.WaitGroup
	for range 4 {
		clients.Add(1)
		go func() {
			defer clients.Done()
			for i := range next {
				deadline := time.Now().Add(30 * time.Second)
				for attempt := 0; ; attempt++ {
					up := c.alive(i+attempt, false)
					if len(up) == 0 {
						if time.Now().After(deadline) {
							t.Errorf("invitation %d: no instance up for 30 s", i)
							return
						}
						time.Sleep(10 * time.Millisecond)
						continue
					}
					status, err := c.call(up[0], "POST", "/api/v1/users", map[string]any{
						"first_name": "Mail", "last_name": fmt.Sprintf("Kill %d", i), "email": email(i),
					}, nil)
					if err == nil || status == http.StatusConflict {
						mu.Lock()
						acked[up[0]]++
						if status == http.StatusConflict {
							conflicts++
						}
						mu.Unlock()
						break
					}
					if status >= 400 && status < 500 {
						t.Errorf("invitation %d on instance %d: %v", i, up[0], err)
						return
					}
					mu.Lock()
					retried[status]++
					if retried[status] == 1 {
						t.Logf("invitation %d on instance %d, try %d: %d %v", i, up[0], attempt, status, err)
					}
					mu.Unlock()
					if time.Now().After(deadline) {
						t.Errorf("invitation %d not acknowledged for 30 s: %v", i, err)
						return
					}
					time.Sleep(10 * time.Millisecond)
				}
			}
		}()
	}
	for i := range invitations {
		next <- i
	}
	close(next)
	clients.Wait()
	close(stopKiller)
	<-killerDone
	restarts.Wait()
	if t.Failed() {
		close(stopCollector)
		<-collectorDone
		t.FailNow()
	}

	// The drain: until no invitation's mail is unsent. A message claimed
	// by a killed instance goes out once its claim (11 s) has lapsed and a
	// survivor polls (every 5 s).
	db, err := sql.Open("pgx", c.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var queued, unsent int
	deadline := time.Now().Add(45 * time.Second)
	for {
		err := db.QueryRow(`SELECT count(*), count(*) FILTER (WHERE sent_at IS NULL) FROM outbox WHERE recipient LIKE 'mailkill-%'`).Scan(&queued, &unsent)
		if err != nil {
			t.Fatal(err)
		}
		if unsent == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d invitation mails still unsent after 45 s of draining", unsent, queued)
		}
		time.Sleep(100 * time.Millisecond)
	}
	close(stopCollector)
	<-collectorDone
	if queued != invitations {
		t.Errorf("%d invitation mails queued for %d invitations", queued, invitations)
	}
	ids := map[string]bool{} // the outbox's ids: the messages queued
	rows, err := db.Query(`SELECT id FROM outbox WHERE recipient LIKE 'mailkill-%'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids[id] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}

	// The deliveries: each file's Message-ID is its name's; a repeat of a
	// message is the same recipient and the same link.
	type delivery struct{ to, link string }
	link := regexp.MustCompile(`https?://[^/\s]+/invite\?token=[A-Za-z0-9_.~%-]+`)
	byMessage := map[string][]delivery{} // Message-ID: its deliveries
	messagesTo := map[string]map[string]bool{}
	files, _ := filepath.Glob(filepath.Join(delivered, "mail_*"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := mail.ReadMessage(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		to, err := mail.ParseAddress(msg.Header.Get("To"))
		if err != nil {
			t.Fatalf("%s: To %q: %v", f, msg.Header.Get("To"), err)
		}
		if !strings.HasPrefix(to.Address, "mailkill-") {
			continue // not an invitation of this test (the seed's mail)
		}
		id, _, _ := strings.Cut(filepath.Base(f), ".eml.")
		if got := msg.Header.Get("Message-ID"); got != "<"+id+"@gatehouse>" {
			t.Errorf("%s: Message-ID %q, want <%s@gatehouse>", f, got, id)
		}
		if !ids[id] {
			t.Errorf("%s: a message the outbox never queued", f)
		}
		text := testsupport.MIMEText(t, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
		d := delivery{to: to.Address, link: link.FindString(text)}
		if d.link == "" {
			t.Errorf("%s: no invitation link in %q", f, text)
		}
		if prev := byMessage[id]; len(prev) > 0 && prev[0] != d {
			t.Errorf("message %s delivered as %v and as %v", id, prev[0], d)
		}
		byMessage[id] = append(byMessage[id], d)
		if messagesTo[to.Address] == nil {
			messagesTo[to.Address] = map[string]bool{}
		}
		messagesTo[to.Address][id] = true
	}
	deliveries, duplicates := 0, 0
	for _, ds := range byMessage {
		deliveries += len(ds)
		duplicates += len(ds) - 1
	}
	lost := 0
	for id := range ids {
		if len(byMessage[id]) == 0 {
			lost++
			if lost <= 5 {
				t.Errorf("message %s queued, never delivered", id)
			}
		}
	}
	for i := range invitations {
		if n := len(messagesTo[email(i)]); n != 1 {
			t.Errorf("%s: %d distinct messages, want 1", email(i), n)
		}
	}
	t.Logf("%d invitations (acknowledged by instance 0/1/2: %v; tries repeated, by status: %v; %d answered 409 after a lost answer), %d kills; "+
		"%d mails queued, %d delivered (%d deliveries: %d duplicates, each with its message's Message-ID), %d lost",
		invitations, acked, retried, conflicts, kills, queued, len(byMessage), deliveries, duplicates, lost)
	if wantKills := invitations / 100; kills < wantKills {
		t.Errorf("only %d kills, want %d", kills, wantKills)
	}
}
