package routers

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/go-chi/chi/v5"
	chimiddleware "github.com/go-chi/chi/v5/middleware"
	"github.com/gorilla/mux"
	"github.com/labstack/echo/v4"
	echomiddleware "github.com/labstack/echo/v4/middleware"

	"github.com/maintgen/maintgen/examples/routers/maintenance"
)

// In every recipe the guard is the outermost handler: guard.Wrap(router).
// It must see the request before any middleware that rewrites RemoteAddr
// (chi's middleware.RealIP, echo's IPExtractor, gin's trusted proxies) or
// the path (chi's CleanPath and StripSlashes, echo's Pre middleware, gin's
// RemoveExtraSlash): its exemptions key on the client IP and on the exact
// request path.

// ServeMux is the recipe for net/http's ServeMux. ServeMux cleans the path
// (redirecting an unclean one) and routes the decoded path, so it needs no
// option.
func ServeMux(guard *maintenance.Guard) http.Handler {
	return guard.Wrap(newServeMux())
}

func newServeMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", route(RouteHealthz))
	mux.Handle("GET /static/", route(RouteStatic))
	mux.Handle("GET /checkout/", route(RouteCheckout))
	mux.Handle("GET /pay", route(RoutePay))
	mux.Handle("GET /{$}", route(RouteHome))
	mux.Handle("GET /{page}", route(RoutePage))
	mux.Handle("GET /blog/{slug}", route(RouteBlog))
	// ServeMux refuses /{tenant}/orders next to /blog/{slug} (both match
	// /blog/orders): its tenant routes are the subtree alone.
	mux.Handle("GET /{tenant}/", route(RouteTenant))
	mux.Handle("/", route(RouteNotFound))
	return mux
}

// Chi is the recipe for chi: the guard wraps the router.
func Chi(guard *maintenance.Guard) http.Handler {
	r := chi.NewRouter()
	chiRoutes(r)
	return guard.Wrap(r)
}

// ChiCleanPath is the recipe for chi with middleware.CleanPath, which
// cleans chi's routing path: it runs inside the guard.
func ChiCleanPath(guard *maintenance.Guard) http.Handler {
	r := chi.NewRouter()
	r.Use(chimiddleware.CleanPath)
	chiRoutes(r)
	return guard.Wrap(r)
}

// ChiStripSlashes is the recipe for chi with middleware.StripSlashes,
// which routes /pay/ as /pay: it runs inside the guard.
func ChiStripSlashes(guard *maintenance.Guard) http.Handler {
	r := chi.NewRouter()
	r.Use(chimiddleware.StripSlashes)
	chiRoutes(r)
	return guard.Wrap(r)
}

// ServeMuxChi is the recipe for a chi router mounted on a ServeMux: the
// guard wraps the ServeMux.
func ServeMuxChi(guard *maintenance.Guard) http.Handler {
	r := chi.NewRouter()
	chiRoutes(r)
	mux := http.NewServeMux()
	mux.Handle("/", r)
	return guard.Wrap(mux)
}

func chiRoutes(r chi.Router) {
	r.Get("/healthz", route(RouteHealthz))
	r.Get("/static/*", route(RouteStatic))
	r.Get("/checkout/*", route(RouteCheckout))
	r.Get("/pay", route(RoutePay))
	r.Get("/", route(RouteHome))
	r.Get("/{page}", route(RoutePage))
	r.Get("/blog/{slug}", route(RouteBlog))
	r.Get("/{tenant}/orders", route(RouteTenantOrders))
	r.Get("/{tenant}/*", route(RouteTenant))
	r.NotFound(route(RouteNotFound))
}

// GorillaMux is the recipe for gorilla/mux: the guard wraps the router.
func GorillaMux(guard *maintenance.Guard) http.Handler {
	r := mux.NewRouter()
	gorillaRoutes(r)
	return guard.Wrap(r)
}

// GorillaMuxEncodedPath is the recipe for gorilla/mux with
// UseEncodedPath, which routes the escaped path.
func GorillaMuxEncodedPath(guard *maintenance.Guard) http.Handler {
	r := mux.NewRouter().UseEncodedPath()
	gorillaRoutes(r)
	return guard.Wrap(r)
}

// GorillaMuxSkipClean is the recipe for gorilla/mux with SkipClean(true),
// which routes the path uncleaned.
func GorillaMuxSkipClean(guard *maintenance.Guard) http.Handler {
	r := mux.NewRouter().SkipClean(true)
	gorillaRoutes(r)
	return guard.Wrap(r)
}

func gorillaRoutes(r *mux.Router) {
	r.Handle("/healthz", route(RouteHealthz)).Methods(http.MethodGet)
	r.PathPrefix("/static/").Handler(route(RouteStatic)).Methods(http.MethodGet)
	r.PathPrefix("/checkout/").Handler(route(RouteCheckout)).Methods(http.MethodGet)
	r.Handle("/pay", route(RoutePay)).Methods(http.MethodGet)
	r.Handle("/", route(RouteHome)).Methods(http.MethodGet)
	r.Handle("/blog/{slug}", route(RouteBlog)).Methods(http.MethodGet)
	r.Handle("/{page}", route(RoutePage)).Methods(http.MethodGet)
	r.Handle("/{tenant}/orders", route(RouteTenantOrders)).Methods(http.MethodGet)
	r.Handle("/{tenant}/{rest:.*}", route(RouteTenant)).Methods(http.MethodGet)
	r.NotFoundHandler = route(RouteNotFound)
}

// Echo is the recipe for echo: the guard wraps the echo instance, an
// http.Handler.
func Echo(guard *maintenance.Guard) http.Handler {
	e := newEcho()
	return guard.Wrap(e)
}

// EchoRemoveTrailingSlash is the recipe for echo with
// middleware.RemoveTrailingSlash as a Pre middleware (it runs before
// routing, and routes /pay/ as /pay): it runs inside the guard.
func EchoRemoveTrailingSlash(guard *maintenance.Guard) http.Handler {
	e := newEcho()
	e.Pre(echomiddleware.RemoveTrailingSlash())
	return guard.Wrap(e)
}

func newEcho() *echo.Echo {
	e := echo.New()
	h := func(name string) echo.HandlerFunc { return echo.WrapHandler(route(name)) }
	e.GET("/healthz", h(RouteHealthz))
	e.GET("/static*", h(RouteStatic)) // the route e.Static("/static", dir) adds
	e.GET("/checkout/*", h(RouteCheckout))
	e.GET("/pay", h(RoutePay))
	e.GET("/", h(RouteHome))
	e.GET("/:page", h(RoutePage))
	e.GET("/blog/:slug", h(RouteBlog))
	e.GET("/:tenant/orders", h(RouteTenantOrders))
	e.GET("/:tenant/*", h(RouteTenant))
	e.RouteNotFound("/*", h(RouteNotFound))
	return e
}

// Gin is the recipe for gin: the guard wraps the engine, an
// http.Handler. (The recipes use gin.New, which logs nothing; call
// gin.SetMode(gin.ReleaseMode) in main to silence gin's debug output.)
func Gin(guard *maintenance.Guard) http.Handler {
	return guard.Wrap(newGin())
}

// GinRawPath is the recipe for gin with UseRawPath, which routes the
// escaped path when it differs from the default encoding.
func GinRawPath(guard *maintenance.Guard) http.Handler {
	g := newGin()
	g.UseRawPath = true
	return guard.Wrap(g)
}

// GinRemoveExtraSlash is the recipe for gin with RemoveExtraSlash, which
// routes the cleaned path.
func GinRemoveExtraSlash(guard *maintenance.Guard) http.Handler {
	g := newGin()
	g.RemoveExtraSlash = true
	return guard.Wrap(g)
}

func newGin() *gin.Engine {
	g := gin.New()
	g.Use(gin.Recovery())
	h := func(name string) gin.HandlerFunc { return gin.WrapH(route(name)) }
	g.GET("/healthz", h(RouteHealthz))
	g.GET("/static/*filepath", h(RouteStatic)) // the route g.Static("/static", dir) adds
	g.GET("/checkout/*rest", h(RouteCheckout))
	g.GET("/pay", h(RoutePay))
	g.GET("/", h(RouteHome))
	g.GET("/:page", h(RoutePage))
	g.GET("/blog/:slug", h(RouteBlog))
	// gin wants one name per wildcard position, and no catch-all next to
	// a segment: /{tenant}/... is two routes.
	g.GET("/:page/orders", h(RouteTenantOrders))
	g.GET("/:page/:sub", h(RouteTenant))
	g.GET("/:page/:sub/*rest", h(RouteTenant))
	g.NoRoute(h(RouteNotFound))
	return g
}
