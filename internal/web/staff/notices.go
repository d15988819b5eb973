package staff

import (
	"net/http"
	"strconv"

	"escudo"
)

// handleNotices lists the account's notices grouped by case or alert and
// kind, unread ones first marked, each leading where to act on it.
func (s *server) handleNotices(w http.ResponseWriter, r *http.Request) {
	u := escudo.UserFromContext(r.Context())
	inbox, err := s.DB.Inbox(r.Context(), u.ID, 200)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	p := s.NewPage(r, "notices.title", nil)
	p.Data = p.NoticeGroups(inbox)
	s.PopFlash(r, p)
	s.Render(w, r, http.StatusOK, "notices", p)
}

// handleNoticesRead marks the notices named in the form read, or every one
// with all=1; only the account's own notices change.
func (s *server) handleNoticesRead(w http.ResponseWriter, r *http.Request) {
	if !s.ParseForm(w, r) {
		return
	}
	var ids []int64
	for _, v := range r.PostForm["id"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			s.RenderError(w, r, http.StatusBadRequest, "error.bad_form")
			return
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 && r.PostForm.Get("all") != "1" {
		s.RenderError(w, r, http.StatusBadRequest, "error.bad_form")
		return
	}
	if len(ids) > 500 {
		ids = ids[:500]
	}
	u := escudo.UserFromContext(r.Context())
	if _, err := s.DB.MarkNoticesRead(r.Context(), u.ID, ids); err != nil {
		s.ServerError(w, r, err)
		return
	}
	s.Flash(r, "notices.done_read")
	http.Redirect(w, r, "/notices", http.StatusSeeOther)
}
