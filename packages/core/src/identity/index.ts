export * from './email.js';
export * from './hash.js';
export * from './input.js';
export * from './phone.js';
export * from './types.js';
