package api

import (
	"context"
	"time"
)

func (h *handlers) listAPIKeys(ctx context.Context, _ *struct{}) (*listOutput[apiKeyJSON], error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	keys, err := h.svc.APIKeys(ctx, actor)
	if err != nil {
		return nil, err
	}
	out := &listOutput[apiKeyJSON]{Body: listBody[apiKeyJSON]{Items: []apiKeyJSON{}}}
	for _, k := range keys {
		out.Body.Items = append(out.Body.Items, toAPIKey(k))
	}
	return out, nil
}

type createAPIKeyInput struct {
	Body struct {
		Name requiredText `json:"name" example:"work-orders service"`
	}
}

type createAPIKeyOutput struct {
	Revision
	Created
	Body newAPIKeyJSON
}

// newAPIKeyJSON is a key with its secret: only the creation answer has one.
type newAPIKeyJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix" doc:"The first characters of the secret, to recognise it"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	Secret     string     `json:"secret" doc:"The key itself: shown this once, send it as Authorization: Bearer <secret>"`
}

func (h *handlers) createAPIKey(ctx context.Context, in *createAPIKeyInput) (*createAPIKeyOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	k, err := h.svc.CreateAPIKey(ctx, actor, string(in.Body.Name))
	if err != nil {
		return nil, err
	}
	key := k.Key
	return &createAPIKeyOutput{Revision{k.Revision}, Created{"/api/v1/api-keys/" + key.ID}, newAPIKeyJSON{ID: key.ID, Name: key.Name, Prefix: key.Prefix,
		CreatedAt: key.CreatedAt, LastUsedAt: key.LastUsedAt, Secret: k.Secret}}, nil
}

func (h *handlers) deleteAPIKey(ctx context.Context, in *idInput) (*Revision, error) {
	return h.remove(ctx, in.ID, h.svc.DeleteAPIKey)
}
