// The few host globals the DOM-free core uses; present in browsers and in Node alike.
// Declared here because the core is type-checked without the DOM lib or Node's types.
declare function setTimeout(handler: () => void, ms?: number): unknown;
declare function clearTimeout(handle: unknown): void;
declare function atob(data: string): string;
