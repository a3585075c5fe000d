package ui_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"github.com/gatehouse/gatehouse/service"
)

// Attacks on passkeys at sign-in (issue 15), with a software authenticator
// that answers the ceremonies as a browser's navigator.credentials would.

const passkeyBase = "https://gatehouse.test"

// manyTries lets a test refuse many answers in a row without waiting for
// the throttle (TestRefusedPasskeysAreThrottled keeps it).
func manyTries(cfg *service.Config) {
	cfg.Throttle = service.Throttle{SignInFreeFailures: 100, SignInPairLimit: 100, CodeUserLimit: 100}
}

// softKey is one passkey: an ES256 key pair, its credential id and the
// signature counter it reports next.
type softKey struct {
	id      []byte
	key     *ecdsa.PrivateKey
	counter uint32
}

func newSoftKey(t *testing.T) *softKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 16)
	rand.Read(id)
	return &softKey{id: id, key: key}
}

var b64 = base64.RawURLEncoding

// ceremony is the options the server sends for navigator.credentials.
type ceremony struct {
	Token   string `json:"token"`
	Options struct {
		PublicKey struct {
			Challenge string `json:"challenge"`
			RPID      string `json:"rpId"`
			RP        struct {
				ID string `json:"id"`
			} `json:"rp"`
		} `json:"publicKey"`
	} `json:"options"`
}

func (b *browser) ceremony(path string, form url.Values) ceremony {
	b.t.Helper()
	res := b.post(path, form)
	var c ceremony
	if res.status != http.StatusOK || json.Unmarshal([]byte(res.body), &c) != nil || c.Options.PublicKey.Challenge == "" {
		b.t.Fatalf("%s: %d %s", path, res.status, res.body)
	}
	return c
}

// clientData is the clientDataJSON a browser at origin makes.
func clientData(kind, challenge, origin string) []byte {
	data, _ := json.Marshal(map[string]any{"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": false})
	return data
}

// authData is the authenticator data for rpID: user present and verified,
// the counter, and the attested credential when attested is set.
func (k *softKey) authData(rpID string, attested bool) []byte {
	hash := sha256.Sum256([]byte(rpID))
	out := append([]byte{}, hash[:]...)
	flags := byte(0x01 | 0x04) // UP, UV
	if attested {
		flags |= 0x40 // AT
	}
	out = append(out, flags)
	out = binary.BigEndian.AppendUint32(out, k.counter)
	if attested {
		out = append(out, make([]byte, 16)...) // AAGUID
		out = binary.BigEndian.AppendUint16(out, uint16(len(k.id)))
		out = append(out, k.id...)
		point, err := k.key.PublicKey.Bytes() // uncompressed: 0x04, X, Y
		if err != nil {
			panic(err)
		}
		x, y := point[1:33], point[33:65]
		cose, _ := cbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: x, -3: y})
		out = append(out, cose...)
	}
	return out
}

// register answers a registration ceremony ("none" attestation).
func (k *softKey) register(c ceremony, origin string) string {
	att, _ := cbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": k.authData(c.Options.PublicKey.RP.ID, true)})
	data, _ := json.Marshal(map[string]any{"id": b64.EncodeToString(k.id), "rawId": b64.EncodeToString(k.id), "type": "public-key",
		"response": map[string]any{"clientDataJSON": b64.EncodeToString(clientData("webauthn.create", c.Options.PublicKey.Challenge, origin)),
			"attestationObject": b64.EncodeToString(att), "transports": []string{"internal"}}})
	return string(data)
}

// assert answers a sign-in ceremony for rpID from origin.
func (k *softKey) assert(t *testing.T, c ceremony, rpID, origin string) string {
	t.Helper()
	auth := k.authData(rpID, false)
	client := clientData("webauthn.get", c.Options.PublicKey.Challenge, origin)
	hash := sha256.Sum256(client)
	digest := sha256.Sum256(append(append([]byte{}, auth...), hash[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, k.key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(map[string]any{"id": b64.EncodeToString(k.id), "rawId": b64.EncodeToString(k.id), "type": "public-key",
		"response": map[string]any{"clientDataJSON": b64.EncodeToString(client), "authenticatorData": b64.EncodeToString(auth),
			"signature": b64.EncodeToString(sig)}})
	return string(data)
}

// registerPasskey adds the key to the signed-in user's account.
func registerPasskey(t *testing.T, b *browser, k *softKey) {
	t.Helper()
	c := b.ceremony("/account/mfa/passkey/options", url.Values{"password": {password}})
	res := b.post("/account/mfa/passkey", url.Values{"token": {c.Token}, "name": {"Key"}, "credential": {k.register(c, passkeyBase)}})
	if res.status != http.StatusOK || !strings.Contains(res.body, "Passkey “Key” added") {
		t.Fatalf("register: %d\n%s", res.status, res.body)
	}
}

// passkeySignIn signs in with the password, then answers the passkey
// ceremony with answer; it returns where the browser ends.
func passkeySignIn(t *testing.T, e *env, email string, answer func(ceremony) string) result {
	t.Helper()
	b := e.anonymous()
	step := b.post("/sign-in", url.Values{"email": {email}, "password": {password}})
	token := hidden(step)["step"]
	if len(token) == 0 {
		t.Fatalf("no second step: %d at %s", step.status, step.url)
	}
	c := b.ceremony("/sign-in/passkey/options", url.Values{"step": token})
	return b.post("/sign-in/second-factor", url.Values{"step": token, "credential": {answer(c)}})
}

// TestPasskeySignInChecksOriginAndCounter: a passkey answers only for this
// deployment's relying party and origin, and a signature counter that
// goes back (a cloned key, an old answer) is refused.
func TestPasskeySignInChecksOriginAndCounter(t *testing.T) {
	e := newEnvAt(t, passkeyBase, "facilities", manyTries)
	k := newSoftKey(t)
	k.counter = 10
	registerPasskey(t, e.signIn("ada@acme.test"), k)

	signedIn := func(res result) bool { return res.status == http.StatusOK && res.url.Path == "/users" }
	for _, c := range []struct{ name, rpID, origin string }{
		{"another origin", "gatehouse.test", "https://evil.test"},
		{"another relying party", "evil.test", passkeyBase},
		{"http instead of https", "gatehouse.test", "http://gatehouse.test"},
	} {
		if res := passkeySignIn(t, e, "ada@acme.test", func(cer ceremony) string {
			k.counter++
			return k.assert(t, cer, c.rpID, c.origin)
		}); signedIn(res) || res.status != http.StatusBadRequest {
			t.Fatalf("%s: %d at %s", c.name, res.status, res.url)
		}
	}

	k.counter = 20
	if res := passkeySignIn(t, e, "ada@acme.test", func(c ceremony) string { return k.assert(t, c, "gatehouse.test", passkeyBase) }); !signedIn(res) {
		t.Fatalf("the passkey: %d at %s\n%s", res.status, res.url, res.body)
	}
	// A clone that copied the key at counter 15 lags behind the original.
	k.counter = 15
	if res := passkeySignIn(t, e, "ada@acme.test", func(c ceremony) string { return k.assert(t, c, "gatehouse.test", passkeyBase) }); signedIn(res) {
		t.Fatal("a signature counter that went back (20 then 15) signed in")
	}
	k.counter = 20
	if res := passkeySignIn(t, e, "ada@acme.test", func(c ceremony) string { return k.assert(t, c, "gatehouse.test", passkeyBase) }); signedIn(res) {
		t.Fatal("a signature counter that did not move (20 then 20) signed in")
	}
	// Another user's passkey does not answer for Ada.
	e.activeUser("Bo", "Bolt", "bo@acme.test", service.UserInput{FullAccess: true})
	bos := newSoftKey(t)
	registerPasskey(t, e.signIn("bo@acme.test"), bos)
	bos.counter = 100
	if res := passkeySignIn(t, e, "ada@acme.test", func(c ceremony) string { return bos.assert(t, c, "gatehouse.test", passkeyBase) }); signedIn(res) {
		t.Fatal("Bo's passkey signed Ada in")
	}
	k.counter = 21
	if res := passkeySignIn(t, e, "ada@acme.test", func(c ceremony) string { return k.assert(t, c, "gatehouse.test", passkeyBase) }); !signedIn(res) {
		t.Fatalf("the passkey, counter 21: %d at %s", res.status, res.url)
	}
}

// TestMalformedPasskeyAnswersAreRefusedCleanly: answers that are not what a
// browser sends get a 4xx page, never a 5xx, at registration and sign-in.
func TestMalformedPasskeyAnswersAreRefusedCleanly(t *testing.T) {
	e := newEnvAt(t, passkeyBase, "facilities", manyTries)
	k := newSoftKey(t)
	ada := e.signIn("ada@acme.test")
	registerPasskey(t, ada, k)
	answers := []string{"{}", "null", "[]", `"x"`, "{", strings.Repeat("[", 10000),
		`{"id":"AA","rawId":"AA","type":"public-key","response":{}}`,
		`{"id":"!!","rawId":"!!","type":"public-key","response":{"clientDataJSON":"!!","authenticatorData":"!!","signature":"!!","attestationObject":"!!"}}`,
		`{"id":"AA","rawId":"AA","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AA","attestationObject":"oA"}}`}
	for _, answer := range answers {
		c := ada.ceremony("/account/mfa/passkey/options", url.Values{"password": {password}})
		if res := ada.post("/account/mfa/passkey", url.Values{"token": {c.Token}, "credential": {answer}}); res.status != http.StatusBadRequest {
			t.Errorf("registration answered %.40q: %d", answer, res.status)
		}
		res := passkeySignIn(t, e, "ada@acme.test", func(ceremony) string { return answer })
		if res.status != http.StatusBadRequest {
			t.Errorf("sign-in answered %.40q: %d at %s", answer, res.status, res.url)
		}
	}
	if res := e.anonymous().post("/sign-in/passkey/options", url.Values{"step": {"ghm_nothing"}}); res.status != http.StatusUnauthorized {
		t.Errorf("options for no step: %d", res.status)
	}
}

// TestRefusedPasskeysAreThrottled: whoever knows the password cannot post
// passkey answers without end (each refused one is audited): they are
// throttled as wrong codes are.
func TestRefusedPasskeysAreThrottled(t *testing.T) {
	e := newEnvAt(t, passkeyBase, "facilities", nil)
	k := newSoftKey(t)
	registerPasskey(t, e.signIn("ada@acme.test"), k)
	statuses := []int{}
	for range 5 {
		res := passkeySignIn(t, e, "ada@acme.test", func(c ceremony) string { return k.assert(t, c, "evil.test", passkeyBase) })
		statuses = append(statuses, res.status)
	}
	if statuses[len(statuses)-1] != http.StatusTooManyRequests {
		t.Fatalf("refused passkeys in a row: %v, want the last throttled", statuses)
	}
}
