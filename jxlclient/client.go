package jxlclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/sony/gobreaker/v2"
)

// JXL paths. None of them carries a token or personal data, so they may
// appear in errors.
const (
	pathApplyV2     = "/orgApi/rest/v2/applications/"
	pathApplyV3     = "/orgApi/rest/v3/applications/"
	pathCollectV2   = "/orgApi/rest/v2/messages/collect/req"
	pathLegacyReq   = "/orgApi/rest/messages/collect/req"
	pathLegacyResp  = "/orgApi/rest/messages/collect/resp"
	pathDatasources = "/orgApi/rest/v2/orgs/%s/datasources"
)

// maxBody bounds how much of an answer is read; JXL's answers are a few KiB.
const maxBody = 1 << 20

// Client talks to JXL's org API. All calls go through one circuit breaker.
// A Client is safe for concurrent use.
type Client struct {
	cfg  Config
	http *http.Client
	cb   *gobreaker.CircuitBreaker[any]
}

// New validates cfg, applies defaults and returns a Client.
func New(cfg Config) (*Client, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("jxlclient config: %w", err)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = defaultHTTPClient(cfg)
	}
	return &Client{cfg: cfg, http: hc, cb: newBreaker(cfg)}, nil
}

// BreakerState returns "closed", "open" or "half-open".
func (c *Client) BreakerState() string { return c.cb.State().String() }

// CloseIdleConnections closes idle keep-alive connections of the underlying
// HTTP client, e.g. on shutdown.
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// Apply submits the applicant and returns the collection token and the
// first datasource to authorise. With Config.ApplyV3 only code 65557 is a
// success; other codes come back as *APIError.
func (c *Client) Apply(ctx context.Context, req ApplyRequest) (*Application, error) {
	path := pathApplyV2 + url.PathEscape(c.cfg.Org)
	if c.cfg.ApplyV3 {
		path = pathApplyV3 + url.PathEscape(c.cfg.Org)
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("jxl apply: encode request: %w", err)
	}
	v3 := c.cfg.ApplyV3
	return call(ctx, c, "apply", http.MethodPost, path, body, c.cfg.ApplyTimeout,
		func(env *envelope) (*Application, error) { return decodeApplication(env, v3) })
}

// Datasources lists the datasources JXL supports for the org.
func (c *Client) Datasources(ctx context.Context) ([]Datasource, error) {
	path := fmt.Sprintf(pathDatasources, url.PathEscape(c.cfg.Org))
	return call(ctx, c, "datasources", http.MethodGet, path, nil, c.cfg.ApplyTimeout,
		decodeDatasources)
}

// Collect submits one step (password, SMS code, resend or query password).
//
// In ModeV2 it is one blocking POST to v2 collect/req; the answer may be
// RUNNING when JXL had no result in time, and the caller then calls Poll.
// In ModeLegacy it POSTs to the unversioned collect/req, which only accepts:
// an accepted request comes back as a RUNNING result and the caller polls.
// If the accept answer already carries CONTROL or ERROR, that is returned.
func (c *Client) Collect(ctx context.Context, req CollectRequest) (*CollectResult, error) {
	if c.cfg.Mode == ModeLegacy {
		return c.collect(ctx, "collect", pathLegacyReq, req, c.cfg.CollectTimeout, decodeAccept)
	}
	return c.collect(ctx, "collect", pathCollectV2, req, c.cfg.CollectTimeout, decodeResult)
}

// Poll asks again for the result of the last Collect with the same request.
// In ModeV2 it re-issues v2 collect/req with the same body, which is how
// integrations ask again after RUNNING. In ModeLegacy it POSTs the body to
// collect/resp. RUNNING means "not yet"; the caller owns the poll interval
// and the overall deadline.
func (c *Client) Poll(ctx context.Context, req CollectRequest) (*CollectResult, error) {
	if c.cfg.Mode == ModeLegacy {
		return c.collect(ctx, "poll", pathLegacyResp, req, c.cfg.PollTimeout, decodeResult)
	}
	return c.collect(ctx, "poll", pathCollectV2, req, c.cfg.CollectTimeout, decodeResult)
}

func (c *Client) collect(ctx context.Context, op, path string, req CollectRequest,
	timeout time.Duration, decode func(*envelope) (*CollectResult, error),
) (*CollectResult, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("jxl %s: encode request: %w", op, err)
	}
	return call(ctx, c, op, http.MethodPost, path, body, timeout, decode)
}

// call runs one HTTP exchange through the breaker and decodes its answer.
// Every error it returns starts with "jxl <op>".
func call[T any](ctx context.Context, c *Client, op, method, path string, body []byte,
	timeout time.Duration, decode func(*envelope) (T, error),
) (T, error) {
	var zero T
	out, err := c.cb.Execute(func() (any, error) {
		return c.attempt(ctx, op, method, path, body, timeout,
			func(env *envelope) (any, error) { return decode(env) })
	})
	if isRefusal(err) {
		return zero, fmt.Errorf("jxl %s: %w: %w", op, ErrUnavailable, err)
	}
	if err != nil {
		return zero, err
	}
	return out.(T), nil
}

// attempt sends one request under its own deadline and classifies the
// outcome for the breaker.
func (c *Client) attempt(ctx context.Context, op, method, path string, body []byte,
	timeout time.Duration, decode func(*envelope) (any, error),
) (any, error) {
	callCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	status, ctype, raw, err := c.send(callCtx, method, path, body)
	if err != nil {
		// The parent is checked first: when the caller gave up, that is the
		// story, and the breaker must not count it.
		if ctx.Err() != nil {
			return nil, &callerDoneError{fmt.Errorf("jxl %s: %w", op, ctx.Err())}
		}
		if errors.Is(callCtx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("jxl %s timed out after %v: %w",
				op, timeout, context.DeadlineExceeded)
		}
		return nil, fmt.Errorf("jxl %s: %s %s: %w", op, method, path, err)
	}

	v, err := decodeAnswer(method, path, status, ctype, raw, decode)
	if err != nil {
		return nil, fmt.Errorf("jxl %s: %w", op, err)
	}
	return v, nil
}

// decodeAnswer turns an HTTP answer into decode's value, or into an *HTTPError (not a JSON
// answer), an *APIError (JXL's "no") or a *DecodeError (JSON that makes no sense).
func decodeAnswer(method, path string, status int, ctype string, raw []byte,
	decode func(*envelope) (any, error),
) (any, error) {
	text := toUTF8(ctype, raw)
	if status < 200 || status > 299 || looksHTML(ctype, text) {
		return nil, &HTTPError{
			Method: method, Path: path, Status: status, ContentType: ctype, Snippet: snippet(text),
		}
	}
	if len(raw) > maxBody {
		return nil, &DecodeError{
			Snippet: snippet(text), Err: fmt.Errorf("body larger than %d bytes", maxBody),
		}
	}

	env, err := decodeEnvelope(text)
	if err == nil {
		var v any
		v, err = decode(env)
		if err == nil {
			return v, nil
		}
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return nil, err
	}
	return nil, &DecodeError{Snippet: snippet(text), Err: err}
}

// send performs the HTTP exchange and reads at most maxBody+1 bytes.
func (c *Client) send(ctx context.Context, method, path string, body []byte,
) (status int, ctype string, raw []byte, err error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.cfg.BaseURL+path, rd)
	if err != nil {
		return 0, "", nil, fmt.Errorf("build request: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	}
	req.Header.Set("Accept", "application/json")

	resp, err := c.http.Do(req)
	if err != nil {
		// url.Error repeats method and URL, which the caller adds anyway.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return 0, "", nil, err
	}
	defer resp.Body.Close()

	raw, err = io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return 0, "", nil, fmt.Errorf("read body: %w", err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), raw, nil
}
