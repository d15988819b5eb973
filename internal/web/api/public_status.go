package api

import (
	"net/http"
	"strings"

	"escudo"
	"escudo/internal/web"
)

// apiPublicStatus answers POST /api/v1/requests/status. The code travels in
// the body, never in a URL that proxies and browsers would log. A wrong
// reference and a wrong code give the same answer.
func (s *server) apiPublicStatus(w http.ResponseWriter, r *http.Request) {
	var in publicStatusInput
	if err := web.DecodeBody(w, r, &in); err != nil {
		s.APIError(w, r, err)
		return
	}
	if err := requireReferenceAndCode(in.Reference, in.Code); err != nil {
		s.APIError(w, r, err)
		return
	}
	st, err := s.DB.PublicStatus(r.Context(), in.Reference, in.Code)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, statusView(st))
}

// requireReferenceAndCode refuses a look-up or an answer without both the
// reference and the follow-up code.
func requireReferenceAndCode(reference, code string) error {
	var v escudo.ValidationErrors
	if strings.TrimSpace(reference) == "" {
		v.Add("reference", "validation.required", nil)
	}
	if strings.TrimSpace(code) == "" {
		v.Add("code", "validation.required", nil)
	}
	return v.Err()
}

func statusView(st *escudo.PublicStatus) publicStatusView {
	out := publicStatusView{Reference: st.Reference, ReceivedAt: st.ReceivedAt, Stage: st.Stage, Admission: st.Admission,
		Procedure: st.Procedure, Events: make([]publicEvent, 0, len(st.Events)), InfoRequest: st.InfoRequest}
	for _, e := range st.Events {
		out.Events = append(out.Events, publicEvent{At: e.At, Kind: e.Kind, Detail: e.Detail})
	}
	return out
}

// apiInfoAnswer answers POST /api/v1/requests/status/answer: the holder of
// the reference and code answers a request for more information, as on the
// status page. A wrong pair reads like an unknown one.
func (s *server) apiInfoAnswer(w http.ResponseWriter, r *http.Request) {
	var in infoAnswerInput
	if err := web.DecodeBody(w, r, &in); err != nil {
		s.APIError(w, r, err)
		return
	}
	if err := requireReferenceAndCode(in.Reference, in.Code); err != nil {
		s.APIError(w, r, err)
		return
	}
	if err := s.DB.AnswerInfoRequest(r.Context(), in.Reference, in.Code, in.Answer); err != nil {
		s.APIError(w, r, err)
		return
	}
	st, err := s.DB.PublicStatus(r.Context(), in.Reference, in.Code)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, statusView(st))
}
