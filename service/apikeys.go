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
	rev, err := s.write(ctx, actor.OrgID, func(tx gatehouse.Tx, _ *authz.Snapshot, _ *gatehouse.AccessChange) error {
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
	return s.write(ctx, actor.OrgID, func(tx gatehouse.Tx, _ *authz.Snapshot, _ *gatehouse.AccessChange) error {
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
// per revision of its organization and then answered from memory.
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
	if err := s.touchKey(ctx, c); err != nil {
		return gatehouse.Actor{}, err
	}
	return gatehouse.Actor{OrgID: c.key.OrgID, UserID: c.key.UserID, APIKeyID: c.key.ID}, nil
}

// cachedKey returns the key with the secret hash, from memory while its
// organization's snapshot is at the revision the key was read at.
func (s *Service) cachedKey(ctx context.Context, hash string) (*cachedKey, error) {
	if v, ok := s.apiKeys.Load(hash); ok {
		c := v.(*cachedKey)
		if snap, err := s.snapshot(ctx, c.key.OrgID); err == nil && snap.Revision == c.revision {
			return c, nil
		}
		s.apiKeys.Delete(hash)
	}
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
	s.apiKeys.Store(hash, c)
	return c, nil
}

// touchKey records a key's use, at most once a minute per key.
func (s *Service) touchKey(ctx context.Context, c *cachedKey) error {
	now := s.now()
	last := c.lastUsed.Load()
	if now.UnixNano()-last < int64(touchEvery) || !c.lastUsed.CompareAndSwap(last, now.UnixNano()) {
		return nil
	}
	return s.store.Update(ctx, func(tx gatehouse.Tx) error { return tx.TouchAPIKey(c.key.OrgID, c.key.ID, now) })
}
