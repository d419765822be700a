import type { FastifyInstance } from 'fastify';
import type { OperatorContext } from '../context.js';

// PLACEHOLDER: being implemented; registers nothing yet.
export function keySharing(_app: FastifyInstance, _ctx: OperatorContext): void {}
