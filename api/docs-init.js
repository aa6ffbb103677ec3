// /docs (DESIGN §15, JS-005): Scalar's API reference (@scalar/api-reference, pinned in
// api/package.json, embedded in the binary) over the generated document. Nothing is fetched from
// elsewhere: no font CDN, no request proxy, no telemetry; the page's policy allows only this
// origin anyway.
// The mount is not #api-reference: the bundle mounts an unconfigured instance of its own on an
// element with that id (its legacy HTML API), which put a loading skeleton over this one.
Scalar.createApiReference('#syncline-docs', {
  url: '/openapi.json',
  withDefaultFonts: false,
  defaultOpenAllTags: true, // the sidebar lists every operation
  // The system's fonts: the bundle's stylesheet names Inter / JetBrains Mono from fonts.scalar.com.
  customCss: ':root, .scalar-app { --scalar-font: system-ui, sans-serif !important;'
    + ' --scalar-font-code: ui-monospace, monospace !important; }',
  proxyUrl: '',
  telemetry: false,
  showDeveloperTools: 'never',
  agent: { disabled: true },
  mcp: { disabled: true },
});
