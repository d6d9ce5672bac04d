/** Defines `name` unless the page already has it (two copies of the bundle, a page's own subclass…). */
export function define(name: string, constructor: CustomElementConstructor) {
  if (!customElements.get(name)) customElements.define(name, constructor);
}
