import { ConfigurationError } from '../config/temporal-config';
import { DevServerStartError } from '../temporal-server/dev-server';
import { TemporalBinaryUnavailableError } from '../temporal-server/temporal-binary';

// Each error extends the class whose exit code it shares (src/cli/exit-codes.ts), so the CLI's one mapping
// in describeFailure covers them: a bad option or a taken port is configuration (3), a binary that cannot be
// built or a process that does not start is "Temporal unavailable" (4).

/** A bad option, a port in use, or a folder that holds something else: exit code 3. */
export class ClusterConfigurationError extends ConfigurationError {
  override name = 'ClusterConfigurationError';
}

/** Go is missing or `go install` failed; the message names the log: exit code 4. */
export class ClusterBuildError extends TemporalBinaryUnavailableError {
  override name = 'ClusterBuildError';
}

/** PostgreSQL or a server node did not start or did not answer; the message names its log: exit code 4. */
export class ClusterStartError extends DevServerStartError {
  override name = 'ClusterStartError';
}
