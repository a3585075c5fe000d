package oidc

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// The provider signs with RS256, which every OpenID library verifies.
const algorithm = jose.RS256

// KeyOverlap is how long a replaced signing key stays published after
// `gatehouse keys rotate`: longer than any token it signed lives (an ID
// token's hour, an access token's minutes), so that they stay verifiable.
const KeyOverlap = time.Hour + 10*time.Minute

// signingKey is a private key in use.
type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return algorithm }
func (k *signingKey) Key() any                                    { return k.key }
func (k *signingKey) ID() string                                  { return k.id }

// publicKey is a key as JWKS publishes it.
type publicKey struct{ *signingKey }

func (k publicKey) ID() string                         { return k.id }
func (k publicKey) Algorithm() jose.SignatureAlgorithm { return algorithm }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return &k.key.PublicKey }

// keyRing reads the signing keys from the database on every use, so that
// a rotation by any instance or by the command line is seen at once; it
// keeps the parsed keys by id.
type keyRing struct {
	st  gatehouse.Store
	now func() time.Time

	mu     sync.Mutex
	parsed map[string]*rsa.PrivateKey
}

// keys returns the published keys, the one to sign with first.
func (r *keyRing) keys(ctx context.Context) ([]*signingKey, error) {
	var stored []*gatehouse.SigningKey
	err := r.st.View(ctx, func(tx gatehouse.Tx) (err error) {
		stored, err = tx.SigningKeys(r.now())
		return err
	})
	if err != nil {
		return nil, fault(ctx, err) // a database down makes the answer 503
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*signingKey, 0, len(stored))
	for _, s := range stored {
		k, ok := r.parsed[s.ID]
		if !ok {
			parsed, err := x509.ParsePKCS8PrivateKey(s.PrivateKey)
			if err != nil {
				return nil, fmt.Errorf("oidc: signing key %s: %w", s.ID, err)
			}
			if k, ok = parsed.(*rsa.PrivateKey); !ok {
				return nil, fmt.Errorf("oidc: signing key %s is not an RSA key", s.ID)
			}
			r.parsed[s.ID] = k
		}
		out = append(out, &signingKey{id: s.ID, key: k})
	}
	return out, nil
}

func (r *keyRing) signing(ctx context.Context) (op.SigningKey, error) {
	keys, err := r.keys(ctx)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("oidc: no signing key")
	}
	return keys[0], nil
}

// EnsureSigningKey makes the first signing key when there is none: on a
// server's first start. Two instances starting at once may both make one;
// both are published and the newer signs.
func EnsureSigningKey(ctx context.Context, st gatehouse.Store, now time.Time) error {
	var have int
	err := st.View(ctx, func(tx gatehouse.Tx) error {
		keys, err := tx.SigningKeys(now)
		have = len(keys)
		return err
	})
	if err != nil || have > 0 {
		return err
	}
	_, err = addKey(ctx, st, false, now)
	return err
}

// RotateSigningKey makes a new signing key, used at once; the others stay
// published for KeyOverlap, then are dropped from JWKS.
func RotateSigningKey(ctx context.Context, st gatehouse.Store, now time.Time) (*gatehouse.SigningKey, error) {
	return addKey(ctx, st, true, now)
}

func addKey(ctx context.Context, st gatehouse.Store, retireOthers bool, now time.Time) (*gatehouse.SigningKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	k := &gatehouse.SigningKey{Algorithm: string(algorithm), PrivateKey: der}
	err = st.Update(ctx, func(tx gatehouse.Tx) error {
		if err := tx.CreateSigningKey(k); err != nil {
			return err
		}
		if retireOthers {
			return tx.RetireSigningKeys(k.ID, now.Add(KeyOverlap))
		}
		return nil
	})
	return k, err
}
