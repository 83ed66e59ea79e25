//go:build !linux

package localcognito

import "syscall"

// sysProcAttr: only Linux can tie the child's life to ours; elsewhere Close stops it.
func sysProcAttr() *syscall.SysProcAttr { return nil }
