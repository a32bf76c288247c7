package io.tandem.persistence;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.config.OptionsMap;
import com.datastax.oss.driver.api.core.config.TypedDriverOption;
import java.time.Duration;
import java.util.List;

/**
 * Opens plain driver sessions for administration: the embedded launcher's readiness probe, applying
 * {@code cql/schema.cql}, tests. The Pekko plugin opens its own sessions from the {@code
 * datastax-java-driver} config section; these do not read it (nor any {@code application.conf}), so
 * they connect exactly where they are told.
 *
 * <p>Opening a session blocks (network I/O): never call this inside an actor or a stream stage.
 */
public final class CqlSessions {

  private CqlSessions() {}

  /**
   * Connects to one contact point.
   *
   * @param contactPoint {@code host:port}
   * @param datacenter the local datacenter ({@link CassandraSettings#EMBEDDED_DATACENTER} for the
   *     embedded server)
   * @param timeout connect, control-connection and request timeout; schema changes on a small
   *     machine can take seconds
   */
  public static CqlSession open(String contactPoint, String datacenter, Duration timeout) {
    return open(options(contactPoint, datacenter, timeout));
  }

  static CqlSession open(OptionsMap options) {
    return CqlSession.builder().withConfigLoader(DriverConfigLoader.fromMap(options)).build();
  }

  static OptionsMap options(String contactPoint, String datacenter, Duration timeout) {
    OptionsMap options = OptionsMap.driverDefaults();
    options.put(TypedDriverOption.CONTACT_POINTS, List.of(contactPoint));
    options.put(TypedDriverOption.LOAD_BALANCING_LOCAL_DATACENTER, datacenter);
    options.put(TypedDriverOption.CONNECTION_CONNECT_TIMEOUT, timeout);
    options.put(TypedDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, timeout);
    options.put(TypedDriverOption.CONTROL_CONNECTION_TIMEOUT, timeout);
    options.put(TypedDriverOption.REQUEST_TIMEOUT, timeout);
    options.put(TypedDriverOption.METADATA_SCHEMA_REQUEST_TIMEOUT, timeout);
    options.put(TypedDriverOption.CONTROL_CONNECTION_AGREEMENT_TIMEOUT, timeout);
    // short-lived sessions: closing should not linger in netty's default 2 s quiet period
    options.put(TypedDriverOption.NETTY_IO_SHUTDOWN_QUIET_PERIOD, 0);
    options.put(TypedDriverOption.NETTY_ADMIN_SHUTDOWN_QUIET_PERIOD, 0);
    return options;
  }
}
