package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jxlgw/jxlgw/session"
)

// maxOrderBody bounds POST /v1/orders bodies; a real applicant is well under 4 KiB.
const maxOrderBody = 64 << 10

// apiError is the JSON body of every HTTP error answer.
type apiError struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// orderRequest is POST /v1/orders' body (docs/protocol.md §1). The aliases match the names
// lenders already use for JXL's fields.
type orderRequest struct {
	Name         string `json:"name"`
	IDCardNum    string `json:"idCardNum"`
	IDCard       string `json:"idCard"`
	Phone        string `json:"phone"`
	CellPhoneNum string `json:"cellPhoneNum"`
	Contacts     []struct {
		Name     string `json:"name"`
		Phone    string `json:"phone"`
		Relation string `json:"relation"`
	} `json:"contacts"`
	UID     string `json:"uid"`
	Consent *struct {
		Given   bool   `json:"given"`
		At      string `json:"at"`
		Version string `json:"version"`
	} `json:"consent"`
}

type orderResponse struct {
	OrderID   string `json:"orderId"`
	Ticket    string `json:"ticket"`
	WSURL     string `json:"wsUrl"`
	ExpiresAt string `json:"expiresAt"`
}

func (r *orderRequest) applicant() (session.Applicant, error) {
	if r.IDCardNum != "" && r.IDCard != "" && r.IDCardNum != r.IDCard {
		return session.Applicant{}, &session.ValidationError{Field: "idCard",
			Reason: "differs from idCardNum; send one"}
	}
	if r.Phone != "" && r.CellPhoneNum != "" && r.Phone != r.CellPhoneNum {
		return session.Applicant{}, &session.ValidationError{Field: "cellPhoneNum",
			Reason: "differs from phone; send one"}
	}
	a := session.Applicant{
		Name: strings.TrimSpace(r.Name),
		// JXL wants the check character upper-case.
		IDCardNum: strings.ToUpper(strings.TrimSpace(first(r.IDCardNum, r.IDCard))),
		Phone:     strings.TrimSpace(first(r.Phone, r.CellPhoneNum)), UID: r.UID,
	}
	for _, c := range r.Contacts {
		a.Contacts = append(a.Contacts, session.Contact{
			Name: c.Name, Phone: c.Phone, Relation: c.Relation,
		})
	}
	if r.Consent == nil {
		return a, &session.ValidationError{Field: "consent", Reason: "is required"}
	}
	a.Consent.Given = r.Consent.Given
	a.Consent.Version = r.Consent.Version
	if r.Consent.At != "" {
		at, err := time.Parse(time.RFC3339, r.Consent.At)
		if err != nil {
			return a, &session.ValidationError{Field: "consent.at", Reason: "must be RFC 3339"}
		}
		a.Consent.At = at
	}
	return a, nil
}

// createOrder serves POST /v1/orders and, in demo mode, POST /demo/orders.
func (s *Server) createOrder(c *gin.Context) {
	req, err := decodeOrder(http.MaxBytesReader(c.Writer, c.Request.Body, maxOrderBody))
	if err != nil {
		c.JSON(http.StatusBadRequest, apiError{"bad_request", err.Error()})
		return
	}
	a, err := req.applicant()
	if err == nil {
		o, cerr := s.cfg.Sessions.Create(c.Request.Context(), a)
		if cerr == nil {
			s.orderCreated(c, o)
			return
		}
		err = cerr
	}
	var verr *session.ValidationError
	if errors.As(err, &verr) {
		c.JSON(http.StatusBadRequest, apiError{"bad_request", verr.Error()})
		return
	}
	s.createFailed(c, err)
}

// decodeOrder reads exactly one JSON object, naming the field a type error is in.
func decodeOrder(body io.Reader) (*orderRequest, error) {
	var req orderRequest
	dec := json.NewDecoder(body)
	err := dec.Decode(&req)
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te) && te.Field != "":
		return nil, fmt.Errorf("%s: wrong JSON type", te.Field)
	case err != nil:
		return nil, errors.New("body must be one JSON object (an order)")
	case dec.More():
		return nil, errors.New("body holds more than one JSON value")
	}
	return &req, nil
}

// orderCreated answers 201 with the order's ticket.
func (s *Server) orderCreated(c *gin.Context, o *session.Order) {
	t, err := s.tickets.Load().Mint(o.ID, o.CreatedAt.Add(s.ticketTTL()))
	if err != nil {
		s.log.Error("mint ticket", "order", o.ID, "err", err)
		c.JSON(http.StatusInternalServerError, apiError{"internal", "cannot mint a ticket"})
		return
	}
	c.JSON(http.StatusCreated, orderResponse{
		OrderID: o.ID, Ticket: t, WSURL: s.wsURL(c.Request, o.ID),
		ExpiresAt: o.ExpiresAt.UTC().Format(time.RFC3339),
	})
}

// ticketTTL bounds a ticket's life; the order's own expiry is checked on every connect.
func (s *Server) ticketTTL() time.Duration { return 24 * time.Hour }

func (s *Server) createFailed(c *gin.Context, err error) {
	var cerr *session.CreateError
	if !errors.As(err, &cerr) {
		s.log.Error("create order", "err", err)
		c.JSON(http.StatusInternalServerError, apiError{"internal", "cannot create the order"})
		return
	}
	s.log.Warn("create order refused upstream", "code", cerr.Code, "err", cerr.Err.Error())
	switch cerr.Code {
	case session.CodeJXLRejected:
		c.JSON(http.StatusUnprocessableEntity, apiError{cerr.Code, cerr.Message})
	case session.CodeUpstreamUnavailable:
		c.JSON(http.StatusServiceUnavailable,
			apiError{cerr.Code, "JXL is unavailable; retry later"})
	default:
		c.JSON(http.StatusBadGateway, apiError{cerr.Code, "JXL answered an error; retry later"})
	}
}

// wsURL is the socket address apps should dial, without the ticket.
func (s *Server) wsURL(r *http.Request, orderID string) string {
	path := "/v1/orders/" + url.PathEscape(orderID) + "/ws"
	if s.cfg.PublicURL != "" {
		base := strings.TrimSuffix(s.cfg.PublicURL, "/")
		base = strings.Replace(base, "http", "ws", 1)
		return base + path
	}
	scheme := "ws"
	if r.TLS != nil {
		scheme = "wss"
	}
	return scheme + "://" + r.Host + path
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
