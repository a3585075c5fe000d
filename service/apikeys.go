package service

import (
	"context"
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
	secret, key := newAPIKey(actor.OrgID, actor.UserID, name, s.Now())
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

// AuthenticateAPIKey returns the actor a key secret stands for. Keys of
// users who are not active do not work.
func (s *Service) AuthenticateAPIKey(ctx context.Context, secret string) (gatehouse.Actor, error) {
	unauthorized := gatehouse.Errorf(gatehouse.EUNAUTHORIZED, "invalid API key")
	var key *gatehouse.APIKey
	err := s.store.View(ctx, func(tx gatehouse.Tx) error {
		k, err := tx.FindAPIKeyBySecret(gatehouse.HashToken(secret))
		key = k
		return err
	})
	if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND || key == nil || !gatehouse.TokenMatches(secret, key.SecretHash) {
		return gatehouse.Actor{}, unauthorized
	}
	if err != nil {
		return gatehouse.Actor{}, err
	}
	snap, err := s.snapshot(ctx, key.OrgID)
	if err != nil {
		return gatehouse.Actor{}, err
	}
	if !snap.IsActive(key.UserID) {
		return gatehouse.Actor{}, unauthorized
	}
	if now := s.Now(); key.LastUsedAt == nil || now.Sub(*key.LastUsedAt) >= touchEvery {
		err := s.store.Update(ctx, func(tx gatehouse.Tx) error { return tx.TouchAPIKey(key.OrgID, key.ID, now) })
		if err != nil {
			return gatehouse.Actor{}, err
		}
	}
	return gatehouse.Actor{OrgID: key.OrgID, UserID: key.UserID, APIKeyID: key.ID}, nil
}
