/** Version of `@core/runtime`; plugins declare a compatible range in `meta.runtime`. */
export const RUNTIME_VERSION = '0.1.0';
