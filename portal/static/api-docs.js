// /api/v1/docs: start Swagger UI on the document named by #swagger-ui's data-openapi (portal/api/docs.py).
// A file of our own rather than an inline script, so that a Content-Security-Policy of script-src 'self' allows it.
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapi,
    domNode: root,
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    validatorUrl: null, // no badge fetched from validator.swagger.io: the page talks to the portal only
  });
});
