/** Prints the path of the test ipvsadm (see ./ipvsadm.ts), building it first if the cache lacks it. */
import { provideTestIpvsadm } from './ipvsadm.js';

process.stdout.write(`${await provideTestIpvsadm()}\n`);
