package jxlclient

import (
	"fmt"
	"io"
)

// The types below carry secrets or personal data. Each implements String,
// GoString and fmt.Formatter so that every verb (%v %+v %#v %s %q ...) prints
// only the fields that are safe to log. A Formatter wins over Stringer in
// fmt, so String and GoString exist for callers that use them directly.

// formatSafe writes the safe rendering for a verb: GoString for %#v, a quoted
// String for %q and String for everything else.
func formatSafe(f fmt.State, verb rune, s, gs string) {
	switch {
	case verb == 'v' && f.Flag('#'):
		_, _ = io.WriteString(f, gs)
	case verb == 'q':
		_, _ = fmt.Fprintf(f, "%q", s)
	default:
		_, _ = io.WriteString(f, s)
	}
}

// String shows only Type and Website.
func (r CollectRequest) String() string {
	return fmt.Sprintf("CollectRequest{Type:%q Website:%q}", r.Type, r.Website)
}

// GoString shows only Type and Website.
func (r CollectRequest) GoString() string {
	return fmt.Sprintf("jxlclient.CollectRequest{Type:%q, Website:%q /* secrets redacted */}",
		r.Type, r.Website)
}

// Format implements fmt.Formatter without secrets.
func (r CollectRequest) Format(f fmt.State, verb rune) {
	formatSafe(f, verb, r.String(), r.GoString())
}

// String shows only the datasource, never the token or phone number.
func (a Application) String() string {
	return fmt.Sprintf("Application{Website:%q Name:%q}", a.Datasource.Website, a.Datasource.Name)
}

// GoString shows only the datasource, never the token or phone number.
func (a Application) GoString() string {
	return fmt.Sprintf("jxlclient.Application{Website:%q, Name:%q /* token redacted */}",
		a.Datasource.Website, a.Datasource.Name)
}

// Format implements fmt.Formatter without the token.
func (a Application) Format(f fmt.State, verb rune) {
	formatSafe(f, verb, a.String(), a.GoString())
}

// String shows only counts and flags, never the applicant.
func (r ApplyRequest) String() string {
	return fmt.Sprintf("ApplyRequest{Contacts:%d SelectedWebsite:%d SkipMobile:%t}",
		len(r.Contacts), len(r.SelectedWebsite), r.SkipMobile)
}

// GoString shows only counts and flags, never the applicant.
func (r ApplyRequest) GoString() string {
	return fmt.Sprintf("jxlclient.ApplyRequest{Contacts:%d, SelectedWebsite:%d, SkipMobile:%t"+
		" /* personal data redacted */}", len(r.Contacts), len(r.SelectedWebsite), r.SkipMobile)
}

// Format implements fmt.Formatter without personal data.
func (r ApplyRequest) Format(f fmt.State, verb rune) {
	formatSafe(f, verb, r.String(), r.GoString())
}

// String hides every field: all of them are personal data.
func (BasicInfo) String() string { return "BasicInfo{redacted}" }

// GoString hides every field: all of them are personal data.
func (BasicInfo) GoString() string { return "jxlclient.BasicInfo{ /* redacted */ }" }

// Format implements fmt.Formatter without personal data.
func (b BasicInfo) Format(f fmt.State, verb rune) {
	formatSafe(f, verb, b.String(), b.GoString())
}

// String shows only the contact type.
func (c Contact) String() string { return fmt.Sprintf("Contact{Type:%q}", c.Type) }

// GoString shows only the contact type.
func (c Contact) GoString() string {
	return fmt.Sprintf("jxlclient.Contact{Type:%q /* redacted */}", c.Type)
}

// Format implements fmt.Formatter without personal data.
func (c Contact) Format(f fmt.State, verb rune) {
	formatSafe(f, verb, c.String(), c.GoString())
}
