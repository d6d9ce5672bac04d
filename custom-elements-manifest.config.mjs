// @custom-elements-manifest/analyzer: custom-elements.json from the elements' JSDoc and lit decorators.
export default {
  globs: ['components/*/*.ts'],
  exclude: ['components/*/jsongle-*.ts', 'components/**/*.styles.ts', 'components/internal/**', 'components/translations/**'],
  litelement: true,
  // package.json's customElements field is set by hand: the check run writes elsewhere.
  packagejson: false,
};
