package routers

import (
	"net/http"
)

// RouteHeader is the response header in which every handler of the
// recipes writes the name of its route.
const RouteHeader = "X-Route"

// The routes of every recipe, by the name their handler writes in
// RouteHeader. The policy exempts /healthz and the subtree /static/ and
// forces the subtree /checkout/ and /pay.
const (
	RouteHealthz      = "healthz"       // GET /healthz: exempt
	RouteStatic       = "static"        // GET /static and /static/...: exempt (the file server)
	RouteCheckout     = "checkout"      // GET /checkout/...: forced
	RoutePay          = "pay"           // GET /pay: forced
	RouteHome         = "home"          // GET /
	RoutePage         = "page"          // GET /{page}
	RouteBlog         = "blog"          // GET /blog/{slug}
	RouteTenantOrders = "tenant-orders" // GET /{tenant}/orders
	RouteTenant       = "tenant"        // GET /{tenant}/...
	RouteNotFound     = "notfound"      // the router's catch-all or not-found handler
)

// ExemptRoutes are the routes that serve exempt paths: the only routes
// that may run while maintenance mode is on.
var ExemptRoutes = []string{RouteHealthz, RouteStatic}

// ForcedRoutes are the routes that serve forced paths: they must never
// run, whatever the mode.
var ForcedRoutes = []string{RouteCheckout, RoutePay}

// route returns the handler of the route name: it names the route in
// RouteHeader and answers 200 (404 for RouteNotFound).
func route(name string) http.HandlerFunc {
	status := http.StatusOK
	if name == RouteNotFound {
		status = http.StatusNotFound
	}
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set(RouteHeader, name)
		w.WriteHeader(status)
	}
}
