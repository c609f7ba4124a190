/**
 * NOTE: kept only for src/lab/plan.ts and src/lab/pair-plan.ts until they read the director model
 * (src/director/); the table lives in src/director/ipvs-table.ts, addresses in src/lib/address.ts.
 */
export { resolveIpvsTable } from '../../director/ipvs-table.js';
export { bareAddress } from '../../lib/address.js';
