/** setupFiles of the e2e-cluster project: its files run on the Redis Cluster its global setup started. */
process.env.E2E_SESSION_STORE = 'cluster';
