// Starts Swagger UI on /api/docs/ from a static file, so the page needs no inline script under
// the Content-Security-Policy (templates/drf_spectacular/swagger_ui.html). The schema's address,
// drf-spectacular's SWAGGER_UI_SETTINGS and the CSRF token come from the container's data
// attributes; requests other than GET carry the CSRF token, as drf-spectacular's own script does.
"use strict";

(() => {
  const container = document.getElementById("swagger-ui");
  const data = container.dataset;
  let settings = {};
  try {
    settings = JSON.parse(data.settings || "{}");
  } catch (error) {
    console.warn("SWAGGER_UI_SETTINGS is not JSON; using the defaults", error);
  }
  const requestInterceptor = (request) => {
    if (!["GET", undefined].includes(request.method) && request.credentials === "same-origin") {
      request.headers[data.csrfHeader] = data.csrfToken;
    }
    return request;
  };
  window.ui = SwaggerUIBundle({
    url: data.schemaUrl,
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    requestInterceptor,
    ...settings,
  });
})();
