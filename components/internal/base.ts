// The base of every element: translations (`lang`), custom states, typed event dispatch.
import { LitElement, type PropertyDeclarations } from 'lit';
import { onTranslationChange, translate, type TranslationKey } from '../translations/index.ts';

export class JsongleElement extends LitElement {
  static override properties: PropertyDeclarations = { language: { attribute: 'lang' } };
  /**
   * The language of the texts (`en`, `fr`…). Read from the `lang` attribute of the element, else of
   * its nearest ancestor, else of the document; English when there is no table for it.
   */
  language = '';

  protected readonly internals: ElementInternals;
  /** Stops re-rendering on registerTranslation() (while disconnected). */
  #stopTranslations?: () => void;

  /**
   * Plain accessors (not lit properties) that a framework may set before the element is defined
   * (React, Vue and Svelte set properties on `document.createElement` results). Such a value is an
   * own data property that hides the class's accessor; it is re-applied through the accessor.
   * Lit does this by itself for its reactive properties.
   */
  static upgradedProperties: readonly string[] = ['client'];

  constructor() {
    super();
    this.internals = this.attachInternals();
  }

  override connectedCallback() {
    // Not in the constructor: the subclass's private fields are not there yet when it runs.
    for (const name of (this.constructor as typeof JsongleElement).upgradedProperties) {
      if (Object.prototype.hasOwnProperty.call(this, name)) {
        const value = (this as any)[name];
        delete (this as any)[name];
        (this as any)[name] = value;
      }
    }
    super.connectedCallback();
    this.#stopTranslations = onTranslationChange(() => this.requestUpdate());
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    this.#stopTranslations?.();
  }

  /** The language actually used. */
  get locale(): string {
    return this.language || this.parentElement?.closest('[lang]')?.getAttribute('lang') || document.documentElement.lang || 'en';
  }

  /** The text for `key` in the element's language. */
  protected t(key: TranslationKey, vars?: Record<string, string | number>): string {
    return translate(this.locale, key, vars);
  }

  /** Sets `:state(name)` on the host (ElementInternals custom states). */
  protected setCustomState(name: string, on: boolean) {
    try {
      if (on) this.internals.states.add(name);
      else this.internals.states.delete(name);
    } catch { /* a browser without custom states: the attribute-reflected properties still work */ }
  }

  /** Turns on `state` and turns off the others of `group`. */
  protected setOnlyCustomState(group: readonly string[], state: string) {
    for (const s of group) this.setCustomState(s, s === state);
  }

  /** Dispatches `event` from the host; returns false when a cancelable event was cancelled. */
  protected fire(event: Event): boolean {
    return this.dispatchEvent(event);
  }
}
