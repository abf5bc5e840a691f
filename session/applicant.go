package session

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jxlgw/jxlgw/jxlclient"
)

// Applicant is who the lender's backend asks the gateway to check. It is personal data: it goes
// to JXL and, apart from the phone number (the carrier account), is not kept.
type Applicant struct {
	Name      string
	IDCardNum string
	Phone     string
	Contacts  []Contact
	UID       string
	Consent   Consent
}

// Contact is one of the applicant's emergency contacts as JXL wants them.
type Contact struct {
	Name     string
	Phone    string
	Relation string // JXL contact_type: "0" spouse … "6" friend or other
}

// ValidationError names the applicant field that is wrong. Its text never holds the value.
type ValidationError struct {
	Field  string
	Reason string
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Reason }

const maxContacts = 10

// Validate checks the applicant the way JXL would, so that a bad request fails fast with a clear
// field name instead of an opaque upstream code.
func (a Applicant) Validate() error {
	if n := utf8.RuneCountInString(a.Name); n == 0 || n > 30 || strings.TrimSpace(a.Name) == "" {
		return &ValidationError{"name", "must be 1 to 30 characters"}
	}
	if !isIDCard(a.IDCardNum) {
		return &ValidationError{"idCardNum", "must be an 18-character ID number"}
	}
	if !isPhone(a.Phone) {
		return &ValidationError{"phone", "must be an 11-digit mobile number"}
	}
	if len(a.UID) > 64 {
		return &ValidationError{"uid", "must be at most 64 characters"}
	}
	if len(a.Contacts) > maxContacts {
		return &ValidationError{"contacts", fmt.Sprintf("at most %d", maxContacts)}
	}
	for i, c := range a.Contacts {
		if err := c.validate(); err != nil {
			return &ValidationError{fmt.Sprintf("contacts[%d].%s", i, err.Field), err.Reason}
		}
	}
	return a.Consent.validate()
}

func (c Contact) validate() *ValidationError {
	if n := utf8.RuneCountInString(c.Name); n == 0 || n > 64 {
		return &ValidationError{"name", "must be 1 to 64 characters"}
	}
	if !isPhone(c.Phone) {
		return &ValidationError{"phone", "must be an 11-digit mobile number"}
	}
	if len(c.Relation) != 1 || c.Relation[0] < '0' || c.Relation[0] > '6' {
		return &ValidationError{"relation", `must be "0" to "6"`}
	}
	return nil
}

// errNoConsent is wrapped by every consent failure so callers can single it out.
var errNoConsent = errors.New("consent is required")

func (c Consent) validate() error {
	switch {
	case !c.Given:
		return &ValidationError{"consent.given", "must be true: " + errNoConsent.Error()}
	case c.At.IsZero():
		return &ValidationError{"consent.at", "must be the RFC 3339 time consent was given"}
	case c.Version == "" || len(c.Version) > 64:
		return &ValidationError{"consent.version", "must name the consent text shown (1 to 64)"}
	}
	return nil
}

func (a Applicant) applyRequest() jxlclient.ApplyRequest {
	req := jxlclient.ApplyRequest{
		BasicInfo: jxlclient.BasicInfo{
			Name: a.Name, IDCardNum: a.IDCardNum, CellPhoneNum: a.Phone,
		},
		Contacts: make([]jxlclient.Contact, 0, len(a.Contacts)),
		UID:      a.UID,
	}
	for _, c := range a.Contacts {
		req.Contacts = append(req.Contacts, jxlclient.Contact{
			Tel: c.Phone, Name: c.Name, Type: c.Relation,
		})
	}
	return req
}

func isPhone(s string) bool {
	return len(s) == 11 && s[0] == '1' && allDigits(s)
}

func isIDCard(s string) bool {
	if len(s) != 18 {
		return false
	}
	last := s[17]
	return allDigits(s[:17]) && (last >= '0' && last <= '9' || last == 'X' || last == 'x')
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
