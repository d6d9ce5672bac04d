// @custom-elements-manifest/analyzer: custom-elements.json from the elements' JSDoc and lit decorators.
export default {
  globs: ['components/*/*.ts'],
  exclude: ['components/**/*.styles.ts', 'components/internal/**', 'components/translations/**'],
  litelement: true,
};
