/** setupFiles of the e2e-redis project: its files run on the standalone Redis (see test/utils/e2e-store.ts). */
process.env.E2E_SESSION_STORE = 'redis';
