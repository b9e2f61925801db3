/**
 * The console's layers (bulletproof-react): shared code (components, lib, testing) → features → app.
 * A feature never imports another feature; shared code never imports a feature or the app. Cycles
 * are refused as in the server's config. A config of its own because it resolves through web/tsconfig.json
 * (the `@api` and `@domain` aliases), named by absolute path so its `include` resolves from web/.
 */
const path = require('node:path');

const root = require('../.dependency-cruiser.cjs');

module.exports = {
  forbidden: [
    ...root.forbidden,
    {
      name: 'no-cross-feature',
      severity: 'error',
      comment: 'Features are independent; move what two features share into web/src/components or web/src/lib.',
      from: { path: '^web/src/features/([^/]+)/' },
      to: { path: '^web/src/features/([^/]+)/', pathNot: '^web/src/features/$1/' },
    },
    {
      name: 'shared-imports-no-feature',
      severity: 'error',
      comment: 'Shared code is below the features and the app; it must not reach up into them.',
      from: { path: '^web/src/(components|lib|testing)/' },
      to: { path: '^web/src/(features|app)/' },
    },
    {
      name: 'features-import-no-app',
      severity: 'error',
      comment: 'The app composes the features; a feature must not reach up into it.',
      from: { path: '^web/src/features/' },
      to: { path: '^web/src/app/' },
    },
  ],
  options: { ...root.options, tsConfig: { fileName: path.join(__dirname, 'tsconfig.json') } },
};
