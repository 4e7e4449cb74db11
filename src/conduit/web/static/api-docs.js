// Starts Swagger UI on the API docs page (conduit.lib.openapi.SwaggerPage). A file of its own because the
// Content-Security-Policy allows no inline script.
window.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    domNode: root,
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
