package gateway

import (
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/rs/cors"
)

// routes builds the engine. No middleware here wraps the response writer or writes after a
// handler returns, so WebSocket upgrades (which hijack the connection) pass through untouched.
func (s *Server) routes() (*gin.Engine, error) {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.HandleMethodNotAllowed = true
	if err := e.SetTrustedProxies(s.cfg.TrustedProxies); err != nil {
		return nil, fmt.Errorf("gateway: trusted proxies: %w", err)
	}
	e.Use(s.recoverPanics, s.accessLog)
	if s.cfg.TLS {
		e.Use(func(c *gin.Context) {
			c.Header("Strict-Transport-Security", "max-age=31536000")
		})
	}

	e.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	e.POST("/v1/orders", s.requireAPIKey, s.createOrder)
	e.GET("/v1/orders/:orderId/ws", s.serveWS)

	// The HTTP fallbacks, for networks that block WebSockets; pages on other origins reach them
	// through CORS under the socket's own Origin rules.
	cors := s.cors()
	fb := e.Group("/v1/orders/:orderId", cors)
	fb.POST("/messages", s.postMessage)
	fb.GET("/events", s.pollEvents)
	fb.GET("/events/stream", s.streamEvents)
	for _, p := range []string{"/messages", "/events", "/events/stream"} {
		fb.OPTIONS(p, func(*gin.Context) {})
	}

	if s.cfg.SDKFS != nil {
		s.staticRoutes(e, "/sdk", s.cfg.SDKFS, func(h http.Header) {
			// Module scripts load in CORS mode: any H5 page may import the SDK.
			h.Set("Access-Control-Allow-Origin", "*")
			h.Set("Cache-Control", "public, max-age=300")
			h.Set("X-Content-Type-Options", "nosniff")
		})
	}
	if s.cfg.Demo {
		e.POST("/demo/orders", s.createOrder)
		s.demoRoutes(e)
	}
	return e, nil
}

// demoRoutes serves the demo page under /demo/ with headers that keep it from being framed or
// from loading anything but its own files.
func (s *Server) demoRoutes(e *gin.Engine) {
	s.staticRoutes(e, "/demo", s.cfg.DemoFS, func(h http.Header) {
		h.Set("Content-Security-Policy", "default-src 'self'; connect-src 'self' ws: wss:; "+
			"style-src 'self'; script-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
	})
	e.GET("/", func(c *gin.Context) { c.Redirect(http.StatusFound, "/demo/") })
	e.GET("/favicon.ico", func(c *gin.Context) { c.Status(http.StatusNoContent) })
}

// cors answers preflights and sets CORS headers for pages the Origin rules allow.
func (s *Server) cors() gin.HandlerFunc {
	c := cors.New(cors.Options{
		AllowOriginRequestFunc: s.originAllowed,
		AllowedMethods:         []string{http.MethodGet, http.MethodPost},
		AllowedHeaders:         []string{"Authorization", "Content-Type", "Last-Event-ID"},
		MaxAge:                 600,
	})
	return func(gc *gin.Context) {
		c.HandlerFunc(gc.Writer, gc.Request)
		if gc.Request.Method == http.MethodOptions {
			gc.Abort()
		}
	}
}

// staticRoutes serves the files of fsys under prefix, with headers set by header; prefix/ is
// index.html.
func (s *Server) staticRoutes(e *gin.Engine, prefix string, fsys fs.FS, header func(http.Header)) {
	serve := func(c *gin.Context) {
		header(c.Writer.Header())
		name := strings.TrimPrefix(c.Param("file"), "/")
		if name == "" {
			name = "index.html"
		}
		if st, err := fs.Stat(fsys, name); err != nil || st.IsDir() {
			c.Status(http.StatusNotFound)
			return
		}
		if strings.HasSuffix(name, ".ts") {
			// The system's table says .ts is a Qt translation file; these are TypeScript.
			c.Header("Content-Type", "text/plain; charset=utf-8")
		}
		http.ServeFileFS(c.Writer, c.Request, fsys, name)
	}
	e.GET(prefix+"/*file", serve)
	e.HEAD(prefix+"/*file", serve)
}

// accessLog writes one Debug line per request. It logs the route pattern, never the raw URL: the
// ticket travels in the query string.
func (s *Server) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	if !s.log.Enabled(c.Request.Context(), slog.LevelDebug) {
		return
	}
	route := c.FullPath()
	if route == "" {
		route = "(no route)"
	}
	s.log.Debug("http request", "method", c.Request.Method, "route", route,
		"order", c.Param("orderId"), "status", c.Writer.Status(),
		"elapsed", time.Since(start).Round(time.Microsecond), "client", c.ClientIP())
}

// recoverPanics turns a panic before any upgrade into a 500, logging only the route: gin's own
// recovery dumps the request line, ticket included.
func (s *Server) recoverPanics(c *gin.Context) {
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		s.log.Error("handler panicked", "route", c.FullPath(), "panic", fmt.Sprint(p))
		if !c.Writer.Written() {
			c.AbortWithStatusJSON(http.StatusInternalServerError,
				apiError{"internal", "internal error"})
		}
	}()
	c.Next()
}
