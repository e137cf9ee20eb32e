/** Kestra serves its API under `/api/v1/{tenant}/…`; the open-source tenant, and our only one, is `main`. */
export const TENANT = 'main';

/** Where the Kestra 2.x routes are served, as the answers that name other calls spell it. */
export const KESTRA2_BASE = `/api/v1/${TENANT}`;
