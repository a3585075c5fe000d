package service

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// NewKey is a created API key with its secret, shown once.
type NewKey struct {
	Key      *gatehouse.APIKey
	Secret   string
	Revision int64
}

func newAPIKey(orgID, userID, name string, now time.Time) (string, *gatehouse.APIKey) {
	secret := gatehouse.NewToken(gatehouse.APIKeyPrefix)
	return secret, &gatehouse.APIKey{
		ID: gatehouse.NewID(gatehouse.PrefixAPIKey), OrgID: orgID, UserID: userID, Name: name,
		Prefix: secret[:len(gatehouse.APIKeyPrefix)+6], SecretHash: gatehouse.HashToken(secret), CreatedAt: now,
	}
}

// CreateAPIKey gives the acting user a new key that acts as them.
func (s *Service) CreateAPIKey(ctx context.Context, actor gatehouse.Actor, name string) (*NewKey, error) {
	if actor.IsSystem() {
		return nil, gatehouse.Errorf(gatehouse.EFORBIDDEN, "API keys belong to users")
	}
	if err := validateText("name", name, true); err != nil {
		return nil, err
	}
	secret, key := newAPIKey(actor.OrgID, actor.UserID, name, s.now())
	rev, err := s.write(ctx, actor.OrgID, func(tx gatehouse.Tx, snap *authz.Snapshot, _ *gatehouse.AccessChange) error {
		// The actor was active when authenticated, but a deactivation may
		// have committed since: a key made now would outlive it and work
		// again on reactivation. The snapshot here is at the latest revision.
		if !snap.IsActive(actor.UserID) {
			return gatehouse.Forbidden(authz.ActorInactive, "only an active user may create API keys")
		}
		if err := tx.CreateAPIKey(key); err != nil {
			return err
		}
		return record(ctx, tx, actor, "api_key.created", "api_key", key.ID, diff(nil, map[string]any{"name": key.Name, "prefix": key.Prefix}))
	})
	return &NewKey{Key: key, Secret: secret, Revision: rev}, err
}

// APIKeys lists the acting user's keys.
func (s *Service) APIKeys(ctx context.Context, actor gatehouse.Actor) ([]*gatehouse.APIKey, error) {
	var out []*gatehouse.APIKey
	err := s.store.View(ctx, func(tx gatehouse.Tx) error {
		keys, err := tx.FindAPIKeys(actor.OrgID, actor.UserID)
		out = keys
		return err
	})
	return out, err
}

// DeleteAPIKey revokes one of the acting user's keys.
func (s *Service) DeleteAPIKey(ctx context.Context, actor gatehouse.Actor, id string) (int64, error) {
	return s.write(ctx, actor.OrgID, func(tx gatehouse.Tx, _ *authz.Snapshot, ch *gatehouse.AccessChange) error {
		ch.APIKeysRevoked = true // other instances stop answering it from memory
		keys, err := tx.FindAPIKeys(actor.OrgID, actor.UserID)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if k.ID == id {
				if err := tx.DeleteAPIKey(actor.OrgID, id); err != nil {
					return err
				}
				return record(ctx, tx, actor, "api_key.revoked", "api_key", id, diff(map[string]any{"name": k.Name, "prefix": k.Prefix}, nil))
			}
		}
		return gatehouse.Errorf(gatehouse.ENOTFOUND, "API key %q not found", id)
	})
}

// cachedKey is an API key as read at one revision of its organization.
// Every write moves the revision (a revoked key, a deactivated owner), which
// retires every cached key of the organization, on every instance.
type cachedKey struct {
	key      *gatehouse.APIKey
	revision int64
	lastUsed atomic.Int64 // unix nanoseconds of the last recorded use
}

// AuthenticateAPIKey returns the actor a key secret stands for. Keys of
// users who are not active do not work. A key is read from the database once
// per revision of its organization and then answered from memory; while the
// database cannot be reached, a key read at an older revision still works
// when no write the snapshot holds since then deleted API keys (see
// cachedKey). Its last use is recorded at most once a minute, and failing
// to record it fails nothing.
func (s *Service) AuthenticateAPIKey(ctx context.Context, secret string) (gatehouse.Actor, error) {
	unauthorized := gatehouse.Errorf(gatehouse.EUNAUTHORIZED, "invalid API key")
	hash := gatehouse.HashToken(secret)
	c, err := s.cachedKey(ctx, hash)
	if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND || (err == nil && !gatehouse.TokenMatches(secret, c.key.SecretHash)) {
		return gatehouse.Actor{}, unauthorized
	}
	if err != nil {
		return gatehouse.Actor{}, err
	}
	snap, err := s.snapshot(ctx, c.key.OrgID)
	if err != nil {
		return gatehouse.Actor{}, err
	}
	if !snap.IsActive(c.key.UserID) {
		return gatehouse.Actor{}, unauthorized
	}
	s.touchKey(ctx, c)
	return gatehouse.Actor{OrgID: c.key.OrgID, UserID: c.key.UserID, APIKeyID: c.key.ID}, nil
}

// cachedKey returns the key with the secret hash, from memory while its
// organization's snapshot is at the revision the key was read at, and
// otherwise from the database. When the database cannot be reached
// (EUNAVAILABLE), a key held from an older revision is still returned if
// the snapshot knows of no write since that revision that deleted API
// keys: a deletion moves the revision and marks the change it records, so
// every instance that has heard of it refuses the key. (The caller still
// checks that the owner is active in the snapshot.)
func (s *Service) cachedKey(ctx context.Context, hash string) (*cachedKey, error) {
	var held *cachedKey
	var heldSnap *authz.Snapshot
	if v, ok := s.apiKeys.Load(hash); ok {
		c := v.(*cachedKey)
		snap, err := s.snapshot(ctx, c.key.OrgID)
		if err == nil && snap.Revision == c.revision {
			return c, nil
		}
		if err == nil {
			held, heldSnap = c, snap
		}
	}
	c, err := s.readKey(ctx, hash)
	switch {
	case err == nil:
		s.apiKeys.Store(hash, c)
		return c, nil
	case gatehouse.ErrorCode(err) == gatehouse.EUNAVAILABLE && held != nil && held.revision >= heldSnap.KeysRevokedAt():
		return held, nil
	case held != nil && gatehouse.ErrorCode(err) != gatehouse.EUNAVAILABLE:
		s.apiKeys.CompareAndDelete(hash, held)
	}
	return nil, err
}

// readKey reads the key with the secret hash, with its organization's
// revision.
func (s *Service) readKey(ctx context.Context, hash string) (*cachedKey, error) {
	c := &cachedKey{}
	err := s.store.View(ctx, func(tx gatehouse.Tx) error {
		key, err := tx.FindAPIKeyBySecret(hash)
		if err != nil {
			return err
		}
		org, err := tx.FindOrganization(key.OrgID) // the revision, read with the key
		if err != nil {
			return err
		}
		c.key, c.revision = key, org.Revision
		if key.LastUsedAt != nil {
			c.lastUsed.Store(key.LastUsedAt.UnixNano())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// touchKey records a key's use, at most once a minute per key. It is
// bookkeeping: when the write fails (the database is unreachable), it is
// logged and the request goes on.
func (s *Service) touchKey(ctx context.Context, c *cachedKey) {
	now := s.now()
	last := c.lastUsed.Load()
	if now.UnixNano()-last < int64(touchEvery) || !c.lastUsed.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	err := s.store.Update(ctx, func(tx gatehouse.Tx) error { return tx.TouchAPIKey(c.key.OrgID, c.key.ID, now) })
	if err != nil {
		s.cfg.Logger.Warn("recording an API key's last use", "api_key_id", c.key.ID, "err", err)
	}
}
