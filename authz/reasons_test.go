package authz_test

import (
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// TestEveryReasonIsInTheDomainList: the decision's reasons and no
// escalation's are names of gatehouse.Reasons, which the document's enums
// come from.
func TestEveryReasonIsInTheDomainList(t *testing.T) {
	listed := map[gatehouse.Reason]gatehouse.ReasonInfo{}
	for _, r := range gatehouse.Reasons() {
		if _, dup := listed[r.Reason]; dup || r.Meaning == "" {
			t.Errorf("%s: listed twice or without a meaning", r.Reason)
		}
		listed[r.Reason] = r
	}
	for r := authz.ReasonGranted; r <= authz.ReasonNotOwn; r++ {
		if info, ok := listed[r.Name()]; !ok || !info.Decision || r.String() != string(r.Name()) {
			t.Errorf("decision reason %d (%q) is not listed as one", r, r)
		}
	}
	for _, r := range []string{authz.EscalationFullAccess, authz.EscalationLicence, authz.EscalationPermission, authz.EscalationGroup,
		authz.EscalationFacility, authz.EscalationSelf, authz.TargetFullAccess, authz.UserOutOfScope, authz.ActorInactive,
		authz.Escalation, authz.AccountNotCovered} {
		if info, ok := listed[gatehouse.Reason(r)]; !ok || info.Decision || info.Allows {
			t.Errorf("escalation reason %q is not listed as a refusal", r)
		}
	}
}
