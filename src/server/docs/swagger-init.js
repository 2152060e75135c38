// Served as a file, not inline, so the page's Content-Security-Policy can forbid inline scripts.

// Earlier versions persisted the Authorize state (password and refresh token among it): drop it.
localStorage.removeItem('authorized')
window.ui = SwaggerUIBundle({
	url: '/swagger/json',
	dom_id: '#swagger-ui',
	// persistAuthorization would keep the whole Authorize state in localStorage: the password and
	// the refresh token too, readable by any script of this origin long after the tab is closed
	// (RFC 9700 §4.14). The token lives in the page's memory only; a reload means logging in again.
	persistAuthorization: false,
	deepLinking: true
})
