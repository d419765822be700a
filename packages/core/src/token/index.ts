export * from './advertising/index.js';
export * from './refresh/index.js';
export * from './types.js';
