// Served as a file, not inline, so the page's Content-Security-Policy can forbid inline scripts.
window.ui = SwaggerUIBundle({
	url: '/swagger/json',
	dom_id: '#swagger-ui',
	persistAuthorization: true,
	deepLinking: true
})
