package session

import (
	"errors"
	"testing"
	"time"
)

func goodApplicant() Applicant {
	return Applicant{
		Name: "测试用户", IDCardNum: "11000020000101000X", Phone: "13800000000",
		Contacts: []Contact{{Name: "甲", Phone: "13900000000", Relation: "1"}},
		Consent:  Consent{Given: true, At: time.Unix(1_800_000_000, 0), Version: "v1"},
	}
}

func TestApplicantValidate(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		mutate func(a *Applicant)
		field  string
	}{
		"good":          {func(a *Applicant) {}, ""},
		"no name":       {func(a *Applicant) { a.Name = "" }, "name"},
		"short id":      {func(a *Applicant) { a.IDCardNum = "1234" }, "idCardNum"},
		"id letter":     {func(a *Applicant) { a.IDCardNum = "1100002000010100A0" }, "idCardNum"},
		"phone":         {func(a *Applicant) { a.Phone = "23800000000" }, "phone"},
		"contact phone": {func(a *Applicant) { a.Contacts[0].Phone = "1" }, "contacts[0].phone"},
		"contact type": {func(a *Applicant) { a.Contacts[0].Relation = "9" },
			"contacts[0].relation"},
		"consent refused": {func(a *Applicant) { a.Consent.Given = false }, "consent.given"},
		"consent no time": {func(a *Applicant) { a.Consent.At = time.Time{} }, "consent.at"},
		"consent no text": {func(a *Applicant) { a.Consent.Version = "" }, "consent.version"},
	}
	for name, c := range cases {
		a := goodApplicant()
		c.mutate(&a)
		err := a.Validate()
		var verr *ValidationError
		switch {
		case c.field == "" && err != nil:
			t.Errorf("%s: %v, want nil", name, err)
		case c.field != "" && (!errors.As(err, &verr) || verr.Field != c.field):
			t.Errorf("%s: %v, want a ValidationError on %s", name, err, c.field)
		}
	}
}
