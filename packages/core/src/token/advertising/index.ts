export * from './codec.js';
export * from './header.js';
export * from './types.js';
