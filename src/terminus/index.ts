/** nest-sessions/terminus: a `@nestjs/terminus` health indicator for the session store. */
export { SessionStoreHealthIndicator } from './session-store.health-indicator';
