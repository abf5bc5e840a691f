package jxlsim

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Faults are switches that make the simulator misbehave. The zero value is
// a healthy JXL. JSON names are snake_case; latency is a Go duration string
// ("150ms") or a number of nanoseconds.
type Faults struct {
	Latency        time.Duration `json:"-"`               // delay every answer
	Status         int           `json:"status"`          // answer this status with HTML
	HTMLPage       bool          `json:"html_page"`       // 200 text/html WAF page
	Hang           bool          `json:"hang"`            // never answer
	InvalidJSON    bool          `json:"invalid_json"`    // 200 truncated JSON
	Empty          bool          `json:"empty"`           // 200 empty body
	GBK            bool          `json:"gbk"`             // GBK body, charset=GBK
	StringCodes    bool          `json:"string_codes"`    // codes and bools as strings
	RunningForever bool          `json:"running_forever"` // collect answers RUNNING
	// Paths limits the faults to paths ending in one of these suffixes;
	// empty means every JXL route.
	Paths []string `json:"paths,omitempty"`
}

type faultsJSON struct {
	Latency json.RawMessage `json:"latency,omitempty"`
	faultsAlias
}

type faultsAlias Faults // no methods, so no recursion

// MarshalJSON writes latency as a duration string.
func (f Faults) MarshalJSON() ([]byte, error) {
	lat, _ := json.Marshal(f.Latency.String())
	return json.Marshal(faultsJSON{Latency: lat, faultsAlias: faultsAlias(f)})
}

// UnmarshalJSON reads latency as a duration string or nanoseconds.
func (f *Faults) UnmarshalJSON(b []byte) error {
	var w faultsJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*f = Faults(w.faultsAlias)
	if len(w.Latency) == 0 || string(w.Latency) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(w.Latency, &s); err == nil {
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("latency: %w", err)
		}
		f.Latency = d
		return nil
	}
	var ns int64
	if err := json.Unmarshal(w.Latency, &ns); err != nil {
		return fmt.Errorf("latency: want a duration string or nanoseconds")
	}
	f.Latency = time.Duration(ns)
	return nil
}

// SetFaults replaces the active faults; requests already past the fault
// check are not affected.
func (s *Server) SetFaults(f Faults) {
	f.Paths = slices.Clone(f.Paths)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

// Faults returns the active faults.
func (s *Server) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults
	f.Paths = slices.Clone(f.Paths)
	return f
}

func (f Faults) appliesTo(path string) bool {
	if len(f.Paths) == 0 {
		return true
	}
	for _, p := range f.Paths {
		if p != "" && strings.HasSuffix(path, p) {
			return true
		}
	}
	return false
}

// shortCircuit reports whether a fault answers instead of the handler.
func (f Faults) shortCircuit() bool {
	return f.Hang || f.Status != 0 || f.HTMLPage || f.InvalidJSON || f.Empty
}

type faultsKey struct{}

// faultsOf returns the faults that apply to this request.
func faultsOf(r *http.Request) Faults {
	f, _ := r.Context().Value(faultsKey{}).(Faults)
	return f
}

const wafPage = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>访问被拦截</title>` +
	`</head><body><h1>您的访问请求可能对网站造成安全威胁，已被拦截。</h1></body></html>`

// withFaults counts the request and applies the active faults. Collect
// handlers apply Latency themselves (ownLatency) while their token is marked
// in flight, so that a second call during the delay is seen as concurrent.
func (s *Server) withFaults(h http.HandlerFunc, ownLatency bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.stats.Requests++
		f := s.faults
		s.mu.Unlock()
		if !f.appliesTo(r.URL.Path) {
			f = Faults{}
		}
		r = r.WithContext(context.WithValue(r.Context(), faultsKey{}, f))

		if (!ownLatency || f.shortCircuit()) && !s.sleep(r.Context(), f.Latency) {
			return
		}
		switch {
		case f.Hang:
			s.hang(r.Context())
		case f.Status != 0:
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(f.Status)
			fmt.Fprintf(w, "<html><head><title>%d %s</title></head><body><center><h1>%d %s"+
				"</h1></center><hr><center>nginx</center></body></html>",
				f.Status, http.StatusText(f.Status), f.Status, http.StatusText(f.Status))
		case f.HTMLPage:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(wafPage))
		case f.InvalidJSON:
			w.Header().Set("Content-Type", jsonType)
			_, _ = w.Write([]byte(`{"success":true,"data":{"process_`))
		case f.Empty:
			w.Header().Set("Content-Type", jsonType)
			w.WriteHeader(http.StatusOK)
		default:
			h(w, r)
		}
	})
}
