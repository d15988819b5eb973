// Package admin serves the pages that administer the Mechanism's tools:
// accounts and their second factors (administrators), panic devices
// (follow-up, duty and the coordination), the tasks that open a case to
// a contractor or an agency's liaison (the coordination), and the
// implementing agencies with the liaison accounts that act for each. Who
// may use each page is the permission table's answer, never a role list
// here.
package admin

import (
	"time"

	"golang.org/x/time/rate"

	"escudo/internal/access"
	"escudo/internal/web"
)

// server is the administration pages' handler set over the shared core.
type server struct {
	*web.Core
	// witnessTries bounds how often one administrator may submit witness
	// credentials, on top of the stored per-account lock.
	witnessTries *web.LimiterSet
}

// Register mounts the administration pages.
func Register(c *web.Core) {
	s := &server{Core: c, witnessTries: web.NewLimiterSet(rate.Every(time.Minute/5), 5)}
	s.Handle("GET /admin/users", web.Access{Action: access.UserManage}, s.handleUsers)
	s.Handle("POST /admin/users", web.Access{Action: access.UserManage}, s.handleUserCreate)
	s.Handle("POST /admin/users/disable", web.Access{Action: access.UserManage}, s.userState(true))
	s.Handle("POST /admin/users/enable", web.Access{Action: access.UserManage}, s.userState(false))
	s.Handle("POST /admin/users/role", web.Access{Action: access.UserManage}, s.userAction("role", "users.done_role", s.setRole))
	s.Handle("POST /admin/users/password", web.Access{Action: access.UserManage}, s.userAction("password", "users.done_password", s.setPassword))
	s.Handle("POST /admin/users/person", web.Access{Action: access.UserManage}, s.userAction("person", "users.done_person", s.linkPerson))
	s.Handle("POST /admin/users/safe-houses", web.Access{Action: access.SafeHouseName}, s.userAction("safehouse", "users.done_safehouse", s.setSafeHouseNamed))
	s.Handle("GET /admin/users/reset-factor", web.Access{Action: access.UserManage}, s.handleResetForm)
	s.Handle("POST /admin/users/reset-factor", web.Access{Action: access.UserManage}, s.handleReset)
	s.Handle("GET /admin/agencies", web.Access{Action: access.AgencyManage}, s.handleAgencies)
	s.Handle("POST /admin/agencies", web.Access{Action: access.AgencyManage}, s.handleAgencyAdd)
	s.Handle("POST /admin/agencies/edit", web.Access{Action: access.AgencyManage}, s.handleAgencyEdit)
	s.Handle("POST /admin/agencies/liaison", web.Access{Action: access.AgencyManage}, s.handleAgencyLiaison)
	s.Handle("POST /admin/agencies/agreements", web.Access{Action: access.AgencyManage}, s.handleAgreement)
	s.Handle("GET /admin/jobs", web.Access{Action: access.SystemRead}, s.handleJobs)
	s.Handle("GET /devices", web.Access{Action: access.DeviceRead}, s.handleDevices)
	s.Handle("POST /devices", web.Access{Action: access.DeviceManage}, s.handleDeviceCreate)
	s.Handle("POST /devices/{id}/disable", web.Access{Action: access.DeviceManage, Object: "device"}, s.deviceState(true))
	s.Handle("POST /devices/{id}/enable", web.Access{Action: access.DeviceManage, Object: "device"}, s.deviceState(false))
	s.Handle("GET /tasks", web.Access{Action: access.TaskManage}, s.handleTasks)
	s.Handle("POST /tasks", web.Access{Action: access.TaskManage}, s.handleTaskAssign)
	s.Handle("POST /tasks/close", web.Access{Action: access.TaskManage}, s.handleTaskClose)
}
