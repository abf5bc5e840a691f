package jxlsim

import (
	"encoding/json"
	"io"
	"net/http"
)

// The /_sim endpoints let tests in other processes drive the simulator.
// They answer plain UTF-8 JSON and are never subject to faults.

func writeAdmin(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) getFaults(w http.ResponseWriter, _ *http.Request) {
	writeAdmin(w, s.Faults())
}

func (s *Server) putFaults(w http.ResponseWriter, r *http.Request) {
	var f Faults
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&f); err != nil {
		http.Error(w, "decode faults: "+err.Error(), http.StatusBadRequest)
		return
	}
	s.SetFaults(f)
	writeAdmin(w, s.Faults())
}

func (s *Server) getStats(w http.ResponseWriter, _ *http.Request) {
	writeAdmin(w, s.Stats())
}

func (s *Server) postReset(w http.ResponseWriter, _ *http.Request) {
	s.Reset()
	w.WriteHeader(http.StatusNoContent)
}
