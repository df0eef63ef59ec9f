// The e2e-cache project: every sample app of the run keeps verified sessions in process (SESSION_CACHE_MS).
process.env.E2E_SESSION_CACHE_MS = '60000';
