package authz

import "github.com/gatehouse/gatehouse"

// PermSet is a set of permission indexes of one compiled catalog.
type PermSet [gatehouse.MaxPermissions / 64]uint64

func (s *PermSet) add(i int)      { s[i>>6] |= 1 << (uint(i) & 63) }
func (s *PermSet) has(i int) bool { return s[i>>6]&(1<<(uint(i)&63)) != 0 }
func (s *PermSet) or(o *PermSet)  { s[0] |= o[0]; s[1] |= o[1]; s[2] |= o[2]; s[3] |= o[3] }
func (s *PermSet) and(o *PermSet) { s[0] &= o[0]; s[1] &= o[1]; s[2] &= o[2]; s[3] &= o[3] }
func (s *PermSet) subsetOf(o *PermSet) bool {
	return s[0]&^o[0] == 0 && s[1]&^o[1] == 0 && s[2]&^o[2] == 0 && s[3]&^o[3] == 0
}
func (s *PermSet) andNot(o *PermSet) {
	s[0] &^= o[0]
	s[1] &^= o[1]
	s[2] &^= o[2]
	s[3] &^= o[3]
}
