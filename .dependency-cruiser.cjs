// The allowed directions of imports in this repository, written once; `npm run check` (and so
// `npm test` and CI) fails on any violation. Why these and not others: docs/decisions/011.
'use strict';

const LIB = '^libs/k8s-lib/src/';

/**
 * The layers of @b2connect/k8s-lib, lowest first. A module imports its own layer and the layers
 * below it, never one above; type-only imports count like any other. The stages run load -> resolve
 * -> build -> check -> write/publish (docs/decisions/011-layers-and-entry-points.md); a package kind holds a part of
 * several stages (its schema, how it resolves, how it builds), so the registry of kinds sits below
 * the stages that ask it, on top of the data schemas and the blueprints it uses.
 */
const LAYERS = [
  {
    name: 'base',
    comment:
      'Shared by every layer: the error format, the rules several stages enforce, standard labels, the Kubernetes object type, atomic file writes, the CRD constructs, the PromQL parser check.',
    path: `${LIB}(errors|rules|labels|kube-object|files|crds|promql)\\.ts$|${LIB}imports/`,
  },
  {
    name: 'config',
    comment:
      'Load, the data: zod schemas of environment files and package definitions, layer merges, secret detection; what the loader produces.',
    path: `${LIB}config/`,
  },
  {
    name: 'blueprints',
    comment: "Constructs: they take the schemas' output types as props and know nothing of kinds or stages.",
    path: `${LIB}blueprints/`,
  },
  {
    name: 'kinds',
    comment: "The registry of package kinds: each kind's schema, how it resolves, its network, how it builds (with blueprints).",
    path: `${LIB}kinds/`,
  },
  {
    name: 'load',
    comment: "Load, the stage: finds the packages and environments on disk and parses them with each kind's schema.",
    path: `${LIB}load/`,
  },
  {
    name: 'resolve',
    comment: 'Resolve: one resolved model per environment, every package resolved once by its kind.',
    path: `${LIB}resolve/`,
  },
  {
    name: 'build',
    comment: "Build: one cdk8s App per environment, each package's kind builds its chart from the resolved model.",
    path: `${LIB}build/`,
  },
  {
    name: 'check',
    comment: 'Check: the Kubernetes and CRD schemas, the strict unknown-field check, the policy gate over a whole environment.',
    path: `${LIB}check/|${LIB}gate/`,
  },
  {
    name: 'write',
    comment: 'Write/publish: synthesis of every environment, the writers, provenance, GitOps waves, the network diagram.',
    path: `${LIB}write/`,
  },
  {
    name: 'entry',
    comment: 'The declared entry points (package.json exports): the authoring API and the pipeline; nothing inside imports them.',
    path: `${LIB}(index|pipeline)\\.ts$`,
  },
];

const layerRules = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${layer.name}`,
  comment: `${layer.comment} It may not import: ${LAYERS.slice(i + 1)
    .map((l) => l.name)
    .join(', ')}.`,
  severity: 'error',
  from: { path: layer.path, pathNot: '\\.(test|spec)\\.ts$' },
  to: { path: LAYERS.slice(i + 1).map((l) => l.path) },
}));

/** The files of k8s-lib that other packages may reach: its `exports` (libs/k8s-lib/package.json). */
const LIB_ENTRY_POINTS = '^libs/k8s-lib/(src/(index|pipeline|crds|load/discover)\\.ts|register\\.js)$';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment:
        "No import cycles, type-only ones included. One exception: a cluster-level package's build reads the " +
        'workspace, and the workspace holds the cluster-level packages, so the type of one refers to the type ' +
        'of the other (config/cluster-package.ts <-> config/workspace.ts); the rule below keeps that pair ' +
        'type-only, which the compiler erases.',
      severity: 'error',
      from: {},
      to: { circular: true, via: { pathNot: '^libs/k8s-lib/src/config/(cluster-package|workspace)\\.ts$' } },
    },
    {
      name: 'no-runtime-circular',
      comment: 'The one allowed cycle above stays type-only: no cycle at all at runtime.',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    ...layerRules,
    {
      name: 'check-sees-objects-only',
      comment:
        'The checks judge the objects a build produced, whoever made them: validation and the policy gate ' +
        'import neither the kinds, the blueprints, the loader, the resolver nor the build.',
      severity: 'error',
      from: { path: LAYERS.find((l) => l.name === 'check').path, pathNot: '\\.(test|spec)\\.ts$' },
      to: { path: LAYERS.filter((l) => ['blueprints', 'kinds', 'load', 'resolve', 'build'].includes(l.name)).map((l) => l.path) },
    },
    {
      name: 'lib-every-file-in-a-layer',
      comment: 'Each source file of k8s-lib belongs to one of the layers above: a new folder or file gets its place there first.',
      severity: 'error',
      from: { path: LIB, pathNot: [...LAYERS.map((l) => l.path), '\\.(test|spec)\\.ts$'] },
      to: {},
    },
    {
      name: 'packages-not-into-other-packages',
      comment:
        'A service or infra package owns its manifests and is versioned alone: it never imports another ' +
        'service or infra package (a shared piece moves into k8s-lib).',
      severity: 'error',
      from: { path: '^(services|infra)/([^/]+)/' },
      to: { path: '^(services|infra)/', pathNot: '^$1/$2/' },
    },
    {
      name: 'lib-through-entry-points',
      comment:
        'Outside k8s-lib, code reaches the library through its declared entry points only ' +
        '(@b2connect/k8s-lib, /pipeline, /discover, /crds, /register), never its src/... files. Tests may use its test helpers.',
      severity: 'error',
      from: { path: '^(services|infra|tools|scripts)/' },
      to: { path: '^libs/k8s-lib/', pathNot: [LIB_ENTRY_POINTS, '^libs/k8s-lib/test/'] },
    },
    {
      name: 'lib-test-helpers-in-tests-only',
      comment: "k8s-lib's test helpers are for tests; code that runs in a build never imports them.",
      severity: 'error',
      from: { pathNot: ['\\.(test|spec)\\.ts$', '/test/'] },
      to: { path: '^libs/k8s-lib/test/' },
    },
    {
      name: 'no-non-package-json',
      comment:
        'Every package declares what it imports: an npm module missing from the nearest package.json ' +
        '(the package of the importing file) is refused. Add it to that package\'s dependencies ("*": the ' +
        'root package.json pins the version), then `npm install`. Tests and their helpers run from the root ' +
        '(vitest, with the root devDependencies) and are left out.',
      severity: 'error',
      from: { pathNot: ['\\.(test|spec)\\.ts$', '(^|/)test/'] },
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'not-to-unresolvable',
      comment:
        'An import that does not resolve: a typo, a missing package, or a k8s-lib path its package.json ' +
        '`exports` does not declare (such as @b2connect/k8s-lib/src/...).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^libs/k8s-lib/src/imports/', '^dist/', '^\\.nx/', '^\\.tools/'] },
    // Type-only imports are dependencies too: they count for cycles and layers.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Resolve as Node and TypeScript do: a package's `exports` decide which of its paths exist.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['types', 'require', 'node', 'default'],
      mainFields: ['types', 'main'],
      extensions: ['.ts', '.js', '.cjs', '.mjs', '.json', '.d.ts'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
