import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where the local stack keeps what it installs (outside the repo, so a second run is fast) and the
 * versions it pins. Shared by the stack script and the workflow tests that launch the test server.
 */
export const CACHE_DIR = join(homedir(), '.cache', 'transfer-saga');
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';
export const TEMPORAL_CLI = join(CACHE_DIR, 'bin', 'temporal');
export const KAFKA_VERSION = '3.9.1';
export const TEST_SERVER_VERSION = '1.32.0';
export const ZIPKIN_VERSION = '3.5.1';

/** The poms under scripts/jars/, each resolving one tool's jars from Maven Central. */
export type JarPom = 'kafka' | 'temporal-test-server' | 'zipkin';

/** Where the jars that Maven resolves from scripts/jars/<pom>.pom.xml are cached. */
export function jarDir(pom: JarPom, version: string): string {
  return join(CACHE_DIR, `${pom}-${version}`, 'libs');
}
