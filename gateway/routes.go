package gateway

import (
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
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

	e.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	e.POST("/v1/orders", s.requireAPIKey, s.createOrder)
	e.GET("/v1/orders/:orderId/ws", s.serveWS)

	if s.cfg.Demo {
		e.POST("/demo/orders", s.createOrder)
		s.demoRoutes(e)
	}
	return e, nil
}

// demoRoutes serves the demo page under /demo/ with headers that keep it from being framed or
// from loading anything but its own files.
func (s *Server) demoRoutes(e *gin.Engine) {
	demo := e.Group("/demo", func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; connect-src 'self' ws: wss:; "+
			"style-src 'self'; script-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
	})
	demo.GET("/*file", func(c *gin.Context) {
		name := strings.TrimPrefix(c.Param("file"), "/")
		if name == "" {
			name = "index.html"
		}
		if st, err := fs.Stat(s.cfg.DemoFS, name); err != nil || st.IsDir() {
			c.Status(http.StatusNotFound)
			return
		}
		http.ServeFileFS(c.Writer, c.Request, s.cfg.DemoFS, name)
	})
	e.GET("/", func(c *gin.Context) { c.Redirect(http.StatusFound, "/demo/") })
	e.GET("/favicon.ico", func(c *gin.Context) { c.Status(http.StatusNoContent) })
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
