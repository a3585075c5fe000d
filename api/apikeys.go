package api

import (
	"context"
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
		Name string `json:"name" minLength:"1" maxLength:"200" example:"work-orders service"`
	}
}

type createAPIKeyOutput struct {
	Revision
	Body struct {
		apiKeyJSON
		Secret string `json:"secret" doc:"The key itself: shown this once, send it as Authorization: Bearer <secret>"`
	}
}

func (h *handlers) createAPIKey(ctx context.Context, in *createAPIKeyInput) (*createAPIKeyOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	k, err := h.svc.CreateAPIKey(ctx, actor, in.Body.Name)
	if err != nil {
		return nil, err
	}
	out := &createAPIKeyOutput{Revision: Revision{k.Revision}}
	out.Body.apiKeyJSON, out.Body.Secret = toAPIKey(k.Key), k.Secret
	return out, nil
}

func (h *handlers) deleteAPIKey(ctx context.Context, in *idInput) (*Revision, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	rev, err := h.svc.DeleteAPIKey(ctx, actor, in.ID)
	if err != nil {
		return nil, err
	}
	return &Revision{rev}, nil
}
