import { jarDir, TEST_SERVER_VERSION } from '../toolchain';
import { installMavenJars } from './process';

/**
 * Fetches the jars of Temporal's Java time-skipping test server, which each workflow test file starts
 * for itself (test/support/time-skipping.ts); there is nothing to start here.
 */
export function installTestServer(): void {
  installMavenJars('temporal-test-server', TEST_SERVER_VERSION);
  console.log(`${'temporal-test-server'.padEnd(22)} jars in ${jarDir('temporal-test-server', TEST_SERVER_VERSION)}`);
}
