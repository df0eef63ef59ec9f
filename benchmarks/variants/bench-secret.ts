/** Signs the bench's cookies, on every variant (at least 32 characters, as the module requires). */
export const BENCH_SECRET = 'nest-sessions-bench-secret-0123456789abcdef';
