/**
 * Import cycles, type-only imports included: eslint's import/no-cycle skips `import type`, and a cycle
 * of types still ties two modules' designs together.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules import each other; move what both need into a module that imports neither.',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Follow imports that compile away (types), which is what makes type-only cycles visible.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
