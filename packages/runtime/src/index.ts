export * from './contracts';
export * from './define';
export * from './errors';
export * from './rng';
