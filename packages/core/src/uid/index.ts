export * from './bucket-index.js';
export * from './first-level-hash.js';
export * from './raw-uid-v2.js';
export * from './raw-uid-v4.js';
export * from './salt-bucket.js';
