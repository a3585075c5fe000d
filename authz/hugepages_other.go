//go:build !linux

package authz

// adviseHugePages asks nothing outside Linux (see hugepages_linux.go).
func adviseHugePages([]byte) {}
