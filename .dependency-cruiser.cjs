/**
 * The direction of dependencies, checked by `npm run check:deps` (and by
 * `npm test` before the tests): no import cycles in server/, media/,
 * config/; the switch (server/sip) imports nothing from the calls layer or
 * the ACD, which call down into it through the interfaces it owns
 * (server/sip/ports.ts); the ACD owns its store port and imports no store;
 * media/ is a leaf library; the history (server/history) is fed from the
 * calls layer and imports none of it; nothing below the API (server/api)
 * imports it. A type-only import counts like any other: it ties the modules
 * together just the same.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'Modules that import each other cannot be understood, tested or replaced one at a time.',
      from: { path: '^(server|media|config)/' },
      to: { circular: true },
    },
    {
      name: 'switch-is-a-lower-layer',
      severity: 'error',
      comment: 'The switch calls up only through the interfaces it owns (server/sip/ports.ts).',
      from: { path: '^server/sip/' },
      to: { path: '^server/(calls|acd)/' },
    },
    {
      name: 'acd-owns-its-store-port',
      severity: 'error',
      comment: 'The ACD defines the store it needs; store implementations depend on the ACD, not the other way round.',
      from: { path: '^server/acd/' },
      to: { path: '^server/store/' },
    },
    {
      name: 'history-is-fed-from-above',
      comment: 'The contact records sit beside the IVR and the ACD: the calls layer feeds them writes; they know nothing of calls, SIP, the ACD or HTTP.',
      severity: 'error',
      from: { path: '^server/history/' },
      to: { path: '^server/(calls|api|sip|sipd|acd|ivr)/' },
    },
    {
      name: 'media-is-a-leaf',
      severity: 'error',
      comment: 'media/ is a library: the application passes it what it needs.',
      from: { path: '^media/' },
      to: { path: '^server/' },
    },
    {
      name: 'api-is-on-top',
      severity: 'error',
      comment: 'The API drives the product from above; nothing below it knows HTTP exists.',
      from: { path: '^(server/(sipd|sip|calls|ivr|acd|store|stats|history|config|net|users)|media|config)/' },
      to: { path: '^server/api/' },
    },
    {
      name: 'pages-speak-http-only',
      severity: 'error',
      comment: 'The web pages run in the browser: they reach the product through its API, never by importing its code (its types, which describe what the API sends, they may).',
      from: { path: '^server/web/' },
      to: { path: '^(server/(?!web/)|media/|config/)', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      comment: 'An import the checker cannot follow would hide a broken rule.',
      from: {},
      to: { couldNotResolve: true, dependencyTypesNot: ['core'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    // ESM-only packages (typebox) name their files under the "import" condition of package.json "exports".
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
    // Type-only imports too: they are stripped from the JavaScript, not from the design.
    tsPreCompilationDeps: true,
    // Packages that ship only ES modules (typebox) resolve through their "import" condition.
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
