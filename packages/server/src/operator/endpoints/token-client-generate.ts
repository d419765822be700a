import type { FastifyInstance } from 'fastify';
import type { OperatorContext } from '../context.js';

// PLACEHOLDER: being implemented; registers nothing yet.
export function tokenClientGenerate(_app: FastifyInstance, _ctx: OperatorContext): void {}
