/**
 * NOTE: kept only for src/lab/plan.ts, which moves onto the director model (src/director/) next; the address
 * module is src/lib/address.ts. Remove this file once nothing imports it.
 */
export { formatIpv4, inSubnet, parseCidr, parseIpv4, prefixMask } from '../lib/address.js';
