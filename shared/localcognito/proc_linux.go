package localcognito

import "syscall"

// sysProcAttr asks Linux to stop cognito-local when the process that started it
// dies, so a killed `make dev` leaves no server holding the port.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
