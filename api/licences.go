package api

import (
	"context"

	"github.com/gatehouse/gatehouse/service"
)

// licenceSeatsJSON is one licence tier with its seats.
type licenceSeatsJSON struct {
	Name      string `json:"name" example:"read_report"`
	Label     string `json:"label" example:"Read & Report"`
	Rank      int    `json:"rank" doc:"1 for the lowest tier"`
	Seats     *int   `json:"seats,omitempty" required:"false" doc:"How many active or invited users the tier may have; absent: unlimited"`
	SeatsUsed int    `json:"seats_used" doc:"Active and invited users with the licence"`
	SeatsFree *int   `json:"seats_free,omitempty" required:"false" doc:"Seats left; absent: unlimited"`
}

func toLicenceSeats(l service.LicenceSeats) licenceSeatsJSON {
	return licenceSeatsJSON{Name: l.Licence.Name, Label: l.Licence.Label, Rank: l.Licence.Rank,
		Seats: l.Seats, SeatsUsed: l.Used, SeatsFree: l.Free()}
}

func (h *handlers) listLicences(ctx context.Context, _ *struct{}) (*listOutput[licenceSeatsJSON], error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	list, err := h.svc.Licences(ctx, actor)
	if err != nil {
		return nil, err
	}
	out := &listOutput[licenceSeatsJSON]{Body: listBody[licenceSeatsJSON]{Items: make([]licenceSeatsJSON, len(list))}}
	for i, l := range list {
		out.Body.Items[i] = toLicenceSeats(l)
	}
	return out, nil
}

type setLicenceSeatsInput struct {
	Name string `path:"name" doc:"The licence tier's name (GET /api/v1/licences)"`
	Body struct {
		Seats *int `json:"seats,omitempty" required:"false" minimum:"0" maximum:"1000000" doc:"The tier's seats; absent makes it unlimited"`
	}
}

type licenceSeatsOutput struct {
	Revision
	Body licenceSeatsJSON
}

func (h *handlers) setLicenceSeats(ctx context.Context, in *setLicenceSeatsInput) (*licenceSeatsOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	l, rev, err := h.svc.SetLicenceSeats(ctx, actor, in.Name, in.Body.Seats)
	if err != nil {
		return nil, err
	}
	return &licenceSeatsOutput{Revision: Revision{rev}, Body: toLicenceSeats(*l)}, nil
}
