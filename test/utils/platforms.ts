/**
 * The HTTP platforms every e2e suite runs on, through `describe.each(PLATFORMS)`.
 * Supporting Fastify in the sample means adding `'fastify'` here, nothing else.
 */
export const PLATFORMS = ['express', 'fastify'] as const;

export type Platform = (typeof PLATFORMS)[number];
